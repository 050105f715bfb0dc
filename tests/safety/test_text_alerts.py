"""Every free text a client sends goes through the risk screen and raises an alert.

Each test here reproduces a signal that was lost before issue 10: a client's
message or mood note saying they would kill themselves raised no alert at all
(only the ordinary new-message email, held by quiet hours until 08:00).
"""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from apps.messaging.services import message_send
from apps.notifications.models import Notification, Status
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource, ServiceSafetyPolicy
from apps.safety.services import risk_alert_acknowledge
from apps.tracking.services import goal_create, goal_rate, mood_rate
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# As it stands in the HTML ("&" is escaped).
CARD = "If you might harm yourself or you are in danger now, call 999 or go to A&amp;E"


def _send(sender, treatment, body):
    return message_send(
        sender=sender, treatment=treatment, body=body, idempotency_key=uuid.uuid4()
    )[0]


def test_risky_message_at_night_raises_an_alert_emailed_now_not_after_quiet_hours(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    # 23:30 in London: inside the default quiet hours (21:00-08:00).
    with time_machine.travel(datetime.datetime(2026, 6, 10, 23, 30, tzinfo=LONDON)):
        with django_capture_on_commit_callbacks(execute=True):
            message = _send(client_user, treatment, "I am going to kill myself tonight")
    alert = RiskAlert.objects.get()
    assert alert.source == RiskSource.MESSAGE_SAFETY_WORDS
    assert alert.subject == message and alert.treatment == treatment
    assert alert.screen_matches[0]["category"] == "suicide"
    risk_email = Notification.objects.get(kind="risk_alert", recipient=pwp)
    assert risk_email.status == Status.SENT  # not held by quiet hours
    assert [m.to for m in mail.outbox] == [[pwp.email]]
    assert "kill" not in mail.outbox[0].body  # never what the client wrote
    # The ordinary new-message email still waits for the morning.
    ordinary = Notification.objects.get(kind="new_client_message")
    assert ordinary.status == Status.PENDING


def test_everyday_message_raises_nothing(treatment, client_user):
    _send(client_user, treatment, "This traffic is killing me, running late")
    assert not RiskAlert.objects.exists()


def test_practitioner_messages_are_not_screened(treatment, pwp):
    _send(pwp, treatment, "We talked about the times you wanted to kill yourself")
    assert not RiskAlert.objects.exists()


def test_client_sees_the_crisis_card_in_the_thread_after_a_risky_message(
    client, client_user, treatment
):
    client.login(email=client_user.email, password=PASSWORD)
    url = reverse("messaging:thread", args=[treatment.pk])
    response = client.post(
        url, {"body": "wanna die", "idempotency_key": str(uuid.uuid4())}, follow=True
    )
    html = response.content.decode()
    assert CARD in html
    assert "We have let your practitioner know." in html
    alert = RiskAlert.objects.get()
    # Once acknowledged, the page no longer claims an open alert.
    risk_alert_acknowledge(alert=alert, actor=treatment.pwp, note="Phoned, safe.")
    assert "We have let your practitioner know." not in client.get(url).content.decode()


def test_risky_mood_note_raises_an_alert_and_shows_the_card(client, client_user, pwp, treatment):
    client.login(email=client_user.email, password=PASSWORD)
    response = client.post(
        reverse("tracking:mood"),
        {"value": "1", "note": "I want to end it all, better off dead"},
        follow=True,
    )
    alert = RiskAlert.objects.get()
    assert alert.source == RiskSource.MOOD_NOTE_SAFETY_WORDS
    assert alert.subject.note == "I want to end it all, better off dead"
    assert Notification.objects.filter(kind="risk_alert", recipient=pwp).exists()
    html = response.content.decode()
    assert CARD in html
    assert "We have let your practitioner know." in html


def test_mood_rerated_without_a_note_does_not_raise_again(client_user, treatment):
    mood_rate(client=client_user, value=1, note="better of dead")
    mood_rate(client=client_user, value=2)  # quick re-rate keeps the note
    mood_rate(client=client_user, value=2, note="better of dead")  # open alert: nothing new
    assert RiskAlert.objects.count() == 1


def test_goal_and_goal_rating_notes_are_screened(client_user, pwp, treatment):
    goal = goal_create(
        actor=client_user, client=client_user, title="Walk", why_it_matters="or I'll hang myself"
    )
    assert RiskAlert.objects.get().subject == goal
    goal_rate(actor=client_user, goal=goal, value=3, note="I cut myself last night")
    assert RiskAlert.objects.filter(source=RiskSource.GOAL_SAFETY_WORDS).count() == 2


def test_goal_written_by_the_practitioner_is_not_screened(client_user, pwp, treatment):
    goal_create(actor=pwp, client=client_user, title="Fewer thoughts of suicide")
    assert not RiskAlert.objects.exists()


def test_service_added_phrases_raise_alerts(client_user, treatment):
    ServiceSafetyPolicy.objects.create(service=treatment.service, extra_phrases="sleep forever")
    _send(client_user, treatment, "I just want to sleep forever")
    assert RiskAlert.objects.get().screen_matches[0]["category"] == "service"


def test_bad_service_phrase_is_refused_with_a_clear_message(treatment):
    from django.core.exceptions import ValidationError

    policy = ServiceSafetyPolicy(service=treatment.service, extra_phrases="[only]\nkill [myself")
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "extra_phrases" in error.value.message_dict


def test_staff_alert_page_names_the_message_not_its_words(client, pwp, client_user, treatment):
    _send(client_user, treatment, "I want to slit my wrists")
    alert = RiskAlert.objects.get()
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(reverse("workspace:alert_detail", args=[alert.pk])).content.decode()
    assert "Message, sent" in html
    assert "slit my wrists" not in html
    assert reverse("messaging:thread", args=[treatment.pk]) in html
    listing = client.get(reverse("safety:alerts")).content.decode()
    assert "From: Message" in listing
    assert alert.status == RiskAlertStatus.OPEN
