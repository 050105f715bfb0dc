import datetime
import re
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from apps.accounts.models import LoginEvent
from apps.care.models import TreatmentStatus
from apps.care.services import treatment_enrol
from tests.factories import PASSWORD


def _link_from_last_email() -> str:
    match = re.search(r"https?://\S+", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return urlparse(match.group(0)).path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("client_user", "programme:home"),
        ("pwp", "workspace:caseload"),
        ("supervisor", "workspace:service_overview"),
        ("trial_manager", "trials:overview"),
        ("admin_user", "workspace:admin_home"),
    ],
)
def test_each_role_lands_on_its_own_home(client, request, persona, home):
    user = request.getfixturevalue(persona)
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email.upper(), "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200
    assert LoginEvent.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_wrong_password_shows_error_and_keeps_email(client, client_user):
    response = client.post(
        reverse("accounts:login"), {"username": client_user.email, "password": "nope"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert f'value="{client_user.email}"' in content
    assert "<title>Error:" in content


def _enrol(pwp, service, django_capture_on_commit_callbacks, email="new@example.org"):
    with django_capture_on_commit_callbacks(execute=True):
        return treatment_enrol(actor=pwp, service=service, pwp=pwp, email=email, first_name="Nia")


@pytest.mark.django_db
def test_invitation_link_sets_password_once_and_starts_treatment(
    client, pwp, service, django_capture_on_commit_callbacks
):
    treatment = _enrol(pwp, service, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.org"]
    link = _link_from_last_email()

    page = client.get(link)
    assert page.status_code == 200
    assert "Welcome, Nia" in page.content.decode()

    response = client.post(
        link, {"new_password1": "a calm green river", "new_password2": "a calm green river"}
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.ACTIVE
    assert client.get(reverse("programme:home")).status_code == 200

    client.logout()
    again = client.get(link)
    assert again.status_code == 400
    assert "expired or was already used" in again.content.decode()


@pytest.mark.django_db
def test_invitation_link_expires(client, pwp, service, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        _enrol(pwp, service, django_capture_on_commit_callbacks)
        link = _link_from_last_email()
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, tzinfo=datetime.UTC), tick=False):
        response = client.get(link)
    assert response.status_code == 400


@pytest.mark.django_db
def test_invitation_password_mismatch_rerenders_with_message(
    client, pwp, service, django_capture_on_commit_callbacks
):
    _enrol(pwp, service, django_capture_on_commit_callbacks)
    link = _link_from_last_email()
    response = client.post(
        link, {"new_password1": "a calm green river", "new_password2": "a calm blue river"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_emails_a_working_link(
    client, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": client_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link_from_last_email()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    post_url = form_page.redirect_chain[-1][0]
    done = client.post(
        post_url, {"new_password1": "another calm river", "new_password2": "another calm river"}
    )
    assert done.status_code == 302
    assert client.login(email=client_user.email, password="another calm river")


@pytest.mark.django_db
def test_password_reset_says_nothing_about_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
