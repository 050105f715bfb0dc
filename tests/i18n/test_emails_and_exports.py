"""Emails and texts go in the recipient's language; exports stay language-neutral."""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from apps.messaging.services import message_send
from apps.notifications.models import Notification
from apps.notifications.services import notification_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def daytime():
    moment = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(moment, tick=True):
        yield moment


def _emails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_dutch_pwp_works_in_dutch_and_their_english_client_is_emailed_in_english(
    client, pwp, client_user, treatment, daytime, django_capture_on_commit_callbacks
):
    pwp.language = "nl"
    pwp.save(update_fields=["language"])
    client.force_login(pwp)
    caseload = client.get(reverse("workspace:caseload")).content.decode()
    assert '<html lang="nl"' in caseload and "Je caseload" in caseload
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("messaging:thread", args=[treatment.pk]),
            {"body": "Tot dinsdag", "idempotency_key": str(uuid.uuid4())},
        )
    [email] = _emails_to(client_user)
    assert email.subject == "You have a new message"
    assert "You have a new message from your practitioner" in email.body


def test_a_dutch_client_is_emailed_in_dutch_whatever_language_the_sender_uses(
    pwp, client_user, treatment, daytime, django_capture_on_commit_callbacks
):
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_send(sender=pwp, treatment=treatment, body="See you", idempotency_key=uuid.uuid4())
    [email] = _emails_to(client_user)
    assert email.subject == "Je hebt een nieuw bericht"
    assert "Log in om het te lezen" in email.body
    assert "113 Zelfmoordpreventie" in email.body  # the footer's crisis line, in Dutch


def test_text_messages_follow_the_recipient_too(pwp, client_user, treatment):
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    notification = Notification.objects.create(
        recipient=client_user,
        kind="new_message",
        channel="sms",
        due_at=datetime.datetime.now(tz=datetime.UTC),
        original_due_at=datetime.datetime.now(tz=datetime.UTC),
        dedupe_key="i18n-sms",
    )
    with translation.override("en"):
        body = notification_render(notification).body
    assert "Je hebt een nieuw bericht van je behandelaar" in body


@pytest.mark.parametrize("dataset", ["participants", "events", "scores", "analysis", "codebook"])
def test_exports_and_the_codebook_are_the_same_in_every_language(dataset, treatment, settings):
    from apps.programme.content import content_load
    from apps.questionnaires.services import administration_complete
    from apps.trials import exporters
    from apps.trials.adherence import Scope
    from tests.questionnaires.factories import PHQ9_LOW_ITEM9, AdministrationFactory, answer_all

    content_load(directory=settings.CONTENT_DIR)
    administration = AdministrationFactory(treatment=treatment)
    answer_all(administration, PHQ9_LOW_ITEM9)
    administration_complete(administration=administration)

    def export(language):
        with translation.override(language):
            return "".join(exporters.csv_chunks(exporters.build_export(dataset, Scope())))

    english = export("en")
    assert export("nl") == english
    for dutch in ("Depressie", "vragenlijst", "Behandelaar", "Helemaal niet", "Voorbeeld"):
        assert dutch not in english
