"""The PWP's diary: their own booked sessions by day and week, with links to each record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.services import appointment_schedule
from tests.factories import TreatmentFactory

pytestmark = pytest.mark.django_db


def test_diary_lists_own_sessions_by_day_and_week_only(
    client, pwp, other_pwp, service, treatment, other_treatment, django_assert_max_num_queries
):
    day = timezone.localdate() + datetime.timedelta(days=7)
    at = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)
    second = TreatmentFactory(pwp=pwp, service=service, client__first_name="Bryony")
    appointment_schedule(actor=pwp, treatment=treatment, starts_at=at)
    appointment_schedule(actor=pwp, treatment=second, starts_at=at + datetime.timedelta(hours=1))
    appointment_schedule(actor=other_pwp, treatment=other_treatment, starts_at=at)
    client.force_login(pwp)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("workspace:diary"), {"date": day.isoformat()})
    body = page.content.decode()
    assert "Ceridwen" in body and "Bryony" in body and "Oswin" not in body
    assert reverse("workspace:review", args=[treatment.pk]) in body
    other_day = client.get(
        reverse("workspace:diary"),
        {"view": "day", "date": (day + datetime.timedelta(days=1)).isoformat()},
    ).content.decode()
    assert "No sessions booked" in other_day and "Ceridwen" not in other_day
    client.force_login(treatment.client)
    assert client.get(reverse("workspace:diary")).status_code == 403
