"""The client's preferences page, the staff log partial and the admin outbox."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.notifications.kinds import Kind
from apps.notifications.models import (
    Notification,
    NotificationPreference,
    Status,
    SuppressedReason,
)
from apps.notifications.selectors import notifications_for_treatment
from apps.notifications.services import notification_deliver, notification_schedule
from tests.factories import PASSWORD

# Messages due now must not fall in quiet hours whatever time the suite runs.
pytestmark = pytest.mark.usefixtures("daytime")

URL = reverse("notifications:preferences")


def _form(**overrides):
    data = {
        "email_enabled": "on",
        "phone_number": "",
        "session_reminders": "on",
        "questionnaire_reminders": "on",
        "message_emails": "on",
        "inactivity_nudges": "on",
        "mood_reminder_time": "19:00",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_client_sees_their_choices_with_defaults(client, client_user):
    client.force_login(client_user)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Messages and reminders" in html
    assert 'name="phone_number"' in html and 'type="tel"' in html
    assert not NotificationPreference.objects.exists()  # reading creates nothing


@pytest.mark.django_db
def test_client_turns_on_text_messages_and_a_mood_reminder(client, client_user):
    client.force_login(client_user)
    response = client.post(
        URL,
        _form(sms_enabled="on", phone_number="07700 900 123", mood_reminder_enabled="on"),
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=client_user)
    assert (pref.sms_enabled, pref.phone_number) == (True, "07700900123")
    assert pref.mood_reminder_enabled and pref.mood_reminder_time == datetime.time(19)
    assert "They apply straight away" in client.get(URL).content.decode()


@pytest.mark.django_db
def test_text_messages_without_a_number_show_how_to_fix_it(client, client_user):
    client.force_login(client_user)
    response = client.post(URL, _form(sms_enabled="on"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a mobile number to get text messages" in html
    assert "<title>Error:" in html
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_opting_out_on_the_page_stops_a_queued_reminder(client, client_user):
    (row,) = notification_schedule(
        recipient=client_user,
        kind=Kind.SESSION_REMINDER,
        due_at=timezone.now(),
        dedupe_key="x",
    )
    client.force_login(client_user)
    client.post(URL, _form(session_reminders=None))
    assert notification_deliver(notification_id=row.pk) == "suppressed"
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_client_only_ever_changes_their_own_choices(client, client_user, other_client):
    client.force_login(client_user)
    client.post(URL, _form(email_enabled=None, user=other_client.pk))
    assert NotificationPreference.objects.get().user == client_user


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["pwp", "supervisor", "trial_manager"])
def test_staff_have_no_client_preferences_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- Staff log ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_log_shows_each_message_status_and_why(treatment, other_treatment, client_user):
    sent, opted_out, deferred = (
        notification_schedule(
            recipient=client_user,
            kind=kind,
            due_at=timezone.now(),
            dedupe_key=key,
            object=treatment,
        )[0]
        for kind, key in [
            (Kind.NEW_MESSAGE, "a"),
            (Kind.INACTIVITY_NUDGE, "b"),
            (Kind.MOOD_REMINDER, "c"),
        ]
    )
    notification_deliver(notification_id=sent.pk)
    NotificationPreference.objects.create(user=client_user, inactivity_nudges=False)
    notification_deliver(notification_id=opted_out.pk)
    Notification.objects.filter(pk=deferred.pk).update(
        due_at=timezone.now() + datetime.timedelta(hours=3)
    )
    notification_schedule(
        recipient=other_treatment.client,
        kind=Kind.NEW_MESSAGE,
        due_at=timezone.now(),
        dedupe_key="other",
        object=other_treatment,
    )

    rows = list(notifications_for_treatment(treatment=treatment))
    assert {r.pk for r in rows} == {sent.pk, opted_out.pk, deferred.pk}
    html = render_to_string("notifications/_client_log.html", {"notifications": rows})
    assert "Sent" in html
    assert "Not sent" in html and "The person turned these off" in html
    assert "Waiting until the person&#x27;s quiet hours end" in html
    assert "<caption" in html and 'scope="col"' in html


@pytest.mark.django_db
def test_staff_log_query_count_does_not_grow(treatment, client_user, django_assert_num_queries):
    for i in range(5):
        notification_schedule(
            recipient=client_user,
            kind=Kind.NEW_MESSAGE,
            due_at=timezone.now(),
            dedupe_key=str(i),
            object=treatment,
        )
    with django_assert_num_queries(1):
        render_to_string(
            "notifications/_client_log.html",
            {"notifications": notifications_for_treatment(treatment=treatment)},
        )


# --- Admin --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_sees_failed_messages_and_can_resend_them(
    client, admin_user, client_user, django_capture_on_commit_callbacks
):
    (row,) = notification_schedule(
        recipient=client_user, kind=Kind.NEW_MESSAGE, due_at=timezone.now(), dedupe_key="f"
    )
    Notification.objects.filter(pk=row.pk).update(
        status=Status.FAILED, attempts=5, last_error="SMTPServerDisconnected"
    )
    client.force_login(admin_user)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    assert "SMTPServerDisconnected" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "resend", ACTION_CHECKBOX_NAME: [row.pk]}, follow=True
        )
    assert "1 message queued again." in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_pwp_cannot_open_the_outbox_admin(client, pwp):
    client.login(email=pwp.email, password=PASSWORD)
    response = client.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 302  # to the admin login: not staff


# --- Demo ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_adds_preferences_and_a_log_once():
    call_command("demo")
    counts = (Notification.objects.count(), NotificationPreference.objects.count())
    call_command("demo")
    assert (Notification.objects.count(), NotificationPreference.objects.count()) == counts
    assert NotificationPreference.objects.filter(
        mood_reminder_enabled=True, mood_reminder_time=datetime.time(19)
    ).exists()
    assert Notification.objects.filter(status=Status.SUPPRESSED).exists()


@pytest.mark.django_db
def test_staff_log_says_how_quiet_hours_changed_a_session_reminder(treatment, client_user):
    now = timezone.now()
    rows = [
        Notification.objects.create(
            recipient=client_user,
            treatment=treatment,
            kind=Kind.SESSION_REMINDER,
            dedupe_key=key,
            due_at=due,
            original_due_at=now,
            status=status,
            suppressed_reason=reason,
            attempts=1 if status == Status.SENT else 0,
        )
        for key, due, status, reason in [
            ("early", now - datetime.timedelta(hours=1), Status.SENT, ""),
            ("at-end", now + datetime.timedelta(hours=1), Status.SENT, ""),
            ("too-late", now, Status.SUPPRESSED, SuppressedReason.TOO_LATE),
        ]
    ]
    html = render_to_string("notifications/_client_log.html", {"notifications": rows})
    assert "Sent before the person&#x27;s quiet hours begin" in html
    assert "Sent when the person&#x27;s quiet hours ended" in html
    assert "quiet hours end too close to the session" in html
