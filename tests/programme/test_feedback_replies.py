"""A client answers their practitioner's feedback where it appears; the PWP sees it."""

import pytest
from django.urls import reverse

from apps.notifications.models import Notification
from apps.programme.models import FeedbackReply
from apps.safety.models import RiskAlert, RiskSource
from tests.factories import PASSWORD
from tests.programme.factories import EntryFeedbackFactory, ExerciseEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback(treatment, step, pwp):
    entry = ExerciseEntryFactory(
        treatment=treatment, step=step("psychoeducation", "my-cycle"), data={"trigger": "Sunday"}
    )
    return EntryFeedbackFactory(entry=entry, author=pwp, text="Really clear cycle, thank you.")


def _reply_url(feedback):
    return reverse("programme:feedback_reply", args=[feedback.entry_id, feedback.pk])


def _sign_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_client_reply_shows_under_the_feedback_and_tells_the_pwp(
    client, client_user, pwp, feedback
):
    _sign_in(client, client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Reply to this" in home
    response = client.post(_reply_url(feedback), {"text": "It helped to see Sundays."})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "It helped to see Sundays." in page
    assert "Reply sent" in page
    note = Notification.objects.get(kind="feedback_reply")
    assert note.recipient == pwp and note.treatment_id == feedback.entry.treatment_id
    assert "Sundays" not in str(note.context)  # the outbox never holds the words
    assert not RiskAlert.objects.exists()


def test_empty_reply_keeps_the_page_and_says_what_to_do(client, client_user, feedback):
    _sign_in(client, client_user)
    response = client.post(_reply_url(feedback), {"text": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Write your reply before you send it" in page
    assert not FeedbackReply.objects.exists()


def test_too_long_reply_is_kept_in_the_box(client, client_user, feedback):
    _sign_in(client, client_user)
    text = "Sundays " * 300
    response = client.post(_reply_url(feedback), {"text": text})
    assert response.status_code == 400
    assert "Sundays Sundays" in response.content.decode()
    assert not FeedbackReply.objects.exists()


def test_risky_reply_raises_an_alert_to_the_pwp(client, client_user, feedback):
    _sign_in(client, client_user)
    client.post(_reply_url(feedback), {"text": "Honestly I want to kill myself"})
    reply = FeedbackReply.objects.get()
    alert = RiskAlert.objects.get()
    assert alert.source == RiskSource.FEEDBACK_REPLY_SAFETY_WORDS
    assert alert.subject == reply


def test_pwp_sees_the_reply_with_the_exercise_and_it_is_then_read(
    client, pwp, supervisor, treatment, feedback
):
    reply = FeedbackReply.objects.create(
        feedback=feedback, treatment=treatment, text="It helped to see Sundays."
    )
    _sign_in(client, supervisor)
    page = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert "It helped to see Sundays." in page
    reply.refresh_from_db()
    assert reply.read_at is None  # a supervisor reading marks nothing
    _sign_in(client, pwp)
    page = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert "The client replied" in page and "It helped to see Sundays." in page
    reply.refresh_from_db()
    assert reply.read_at is not None


def test_another_client_cannot_reply_to_someone_elses_feedback(client, other_client, feedback):
    _sign_in(client, other_client)
    response = client.post(_reply_url(feedback), {"text": "hijack"})
    assert response.status_code == 404
    assert not FeedbackReply.objects.exists()


def test_feedback_and_entry_must_match(client, client_user, feedback, treatment, step, pwp):
    other_entry = ExerciseEntryFactory(
        treatment=treatment, step=step("psychoeducation", "my-cycle"), data={"trigger": "Monday"}
    )
    _sign_in(client, client_user)
    url = reverse("programme:feedback_reply", args=[other_entry.pk, feedback.pk])
    assert client.post(url, {"text": "x"}).status_code == 404
