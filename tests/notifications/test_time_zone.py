"""The client chooses their own time zone on the preferences page."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from apps.accounts.services import user_time_zone_set
from apps.core.errors import DomainError
from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, NotificationPreference, Status
from apps.notifications.services import preference_update
from tests.notifications.test_views import _form

URL = reverse("notifications:preferences")
UTC = datetime.UTC
NOON = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _pending_mood_reminders(user):
    return list(
        Notification.objects.filter(
            recipient=user, kind=Kind.MOOD_REMINDER, status=Status.PENDING
        ).values_list("due_at", flat=True)
    )


def test_the_page_offers_a_short_list_with_london_first(client, client_user):
    client.force_login(client_user)
    html = client.get(URL).content.decode()
    assert "Your time zone" in html
    assert html.index('value="Europe/London"') < html.index('value="Europe/Dublin"')
    assert 'value="Australia/Sydney"' in html


def test_the_clients_current_zone_is_offered_when_not_in_the_list(client, client_user):
    client_user.time_zone = "America/Chicago"
    client_user.save()
    client.force_login(client_user)
    assert 'value="America/Chicago" selected' in client.get(URL).content.decode()


def test_client_saves_their_time_zone_with_their_other_choices(client, client_user):
    client.force_login(client_user)
    response = client.post(URL, _form(time_zone="Europe/Paris", phone_number="07700 900 123"))
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.time_zone == "Europe/Paris"
    assert NotificationPreference.objects.get(user=client_user).phone_number == "07700900123"


def test_an_unknown_zone_is_refused_and_the_rest_of_the_input_is_kept(client, client_user):
    client.force_login(client_user)
    response = client.post(URL, _form(time_zone="Mars/Olympus_Mons", phone_number="07700 900 123"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose your time zone from the list." in html
    assert "<title>Error:" in html
    assert 'value="07700 900 123"' in html
    client_user.refresh_from_db()
    assert client_user.time_zone == "Europe/London"
    assert not NotificationPreference.objects.exists()


def test_the_service_refuses_a_zone_zoneinfo_does_not_know(client_user):
    with pytest.raises(DomainError) as error:
        user_time_zone_set(user=client_user, time_zone="Europe/Atlantis")
    assert error.value.field == "time_zone"
    client_user.refresh_from_db()
    assert client_user.time_zone == "Europe/London"


def test_a_refused_choice_leaves_the_time_zone_unchanged(client, client_user):
    client.force_login(client_user)
    response = client.post(URL, _form(time_zone="Europe/Paris", sms_enabled="on"))
    assert response.status_code == 200
    assert "Enter a mobile number to get text messages" in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.time_zone == "Europe/London"


@time_machine.travel(NOON, tick=False)
def test_changing_the_zone_replaces_pending_mood_reminders(
    client, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preference_update(user=client_user, mood_reminder_enabled=True)
    # 19:00 BST today.
    assert _pending_mood_reminders(client_user) == [datetime.datetime(2026, 6, 1, 18, tzinfo=UTC)]

    client.force_login(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form(time_zone="Asia/Kolkata", mood_reminder_enabled="on"))
    assert response.status_code == 302
    old = Notification.objects.get(due_at=datetime.datetime(2026, 6, 1, 18, tzinfo=UTC))
    assert old.status == Status.SUPPRESSED and old.suppressed_reason == "cancelled"
    # 19:00 in Kolkata (13:30 UTC), today and tomorrow (within the planning horizon).
    assert sorted(_pending_mood_reminders(client_user)) == [
        datetime.datetime(2026, 6, 1, 13, 30, tzinfo=UTC),
        datetime.datetime(2026, 6, 2, 13, 30, tzinfo=UTC),
    ]


@time_machine.travel(NOON, tick=False)
def test_saving_the_same_zone_keeps_pending_mood_reminders(
    client, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preference_update(user=client_user, mood_reminder_enabled=True)
    client.force_login(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, _form(time_zone="Europe/London", mood_reminder_enabled="on"))
    assert _pending_mood_reminders(client_user) == [datetime.datetime(2026, 6, 1, 18, tzinfo=UTC)]
    assert not Notification.objects.filter(status=Status.SUPPRESSED).exists()


@pytest.mark.parametrize("persona", ["pwp", "supervisor"])
def test_staff_never_see_the_time_zone_on_their_email_settings(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("notifications:staff_preferences")).content.decode()
    assert 'name="time_zone"' not in html
    assert "Your time zone" not in html
