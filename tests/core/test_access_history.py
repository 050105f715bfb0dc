"""A client sees who opened their record and when, from their privacy page."""

import re

import pytest
from django.urls import reverse

from apps.core.views import ACCESS_PAGE_SIZE


def _rows(content: str) -> list[str]:
    body = content.split('id="opened"', 1)[1]
    return re.findall(r"<tr class=\"govuk-table__row\">\s*<td.*?</tr>", body, re.S)


@pytest.mark.django_db
def test_client_sees_staff_who_opened_their_record_newest_first(
    client, client_user, treatment, pwp, supervisor, other_treatment, other_pwp
):
    pwp.first_name, pwp.last_name = "Petra", "Pryce"
    pwp.save()
    supervisor.first_name, supervisor.last_name = "Sunil", "Sandhu"
    supervisor.save()
    client.force_login(pwp)
    client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    client.force_login(supervisor)
    client.get(reverse("care:sessions", args=[treatment.pk]))
    client.force_login(other_pwp)  # another client's record: not shown here
    client.get(reverse("workspace:client_detail", args=[other_treatment.pk]))

    client.force_login(client_user)
    client.get(reverse("programme:home"))  # their own reading is not listed
    content = client.get(reverse("core:privacy")).content.decode()
    assert "Who has looked at your record" in content
    rows = _rows(content)
    assert len(rows) == 2
    assert "Sunil Sandhu" in rows[0] and "Supervisor" in rows[0]
    assert "Petra Pryce" in rows[1] and "Practitioner" in rows[1]
    assert other_pwp.email not in content
    assert "127.0.0.1" not in content


@pytest.mark.django_db
def test_the_history_is_paginated(client, client_user, treatment, pwp):
    client.force_login(pwp)
    for _ in range(ACCESS_PAGE_SIZE + 1):
        client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    client.force_login(client_user)
    first = client.get(reverse("core:privacy")).content.decode()
    assert len(_rows(first)) == ACCESS_PAGE_SIZE
    assert "Page 1 of 2" in first
    second = client.get(reverse("core:privacy") + "?page=2").content.decode()
    assert len(_rows(second)) == 1


@pytest.mark.django_db
def test_a_client_nobody_has_opened_is_told_so(client, client_user):
    client.force_login(client_user)
    content = client.get(reverse("core:privacy")).content.decode()
    assert "Nobody on the staff has opened your record yet." in content


@pytest.mark.django_db
def test_staff_and_visitors_see_no_history(client, pwp):
    assert "Who has looked" not in client.get(reverse("core:privacy")).content.decode()
    client.force_login(pwp)
    assert "Who has looked" not in client.get(reverse("core:privacy")).content.decode()
