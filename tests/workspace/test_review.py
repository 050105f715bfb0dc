"""The pre-session review: content, feedback, notes, print, audit."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from apps.care.models import AppointmentStatus, SessionNote
from apps.core.models import AccessEvent
from apps.programme.models import EntryFeedback
from tests.care.factories import (
    PHQ9_ITEM9,
    PHQ9_MODERATE,
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    SessionNoteFactory,
    mood,
    phq9_completed,
    thought_record,
)


@pytest.mark.django_db
def test_review_shows_everything_since_the_last_session(client, pwp, treatment, thought_step):
    last = AppointmentFactory(
        treatment=treatment,
        number=1,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(days=7),
    )
    thought_record(
        treatment,
        thought_step,
        data={"situation": "Old situation before session 1"},
        when=timezone.now() - datetime.timedelta(days=9),
    )
    thought_record(treatment, thought_step)
    mood(treatment, days_ago=2, value=3)
    phq9_completed(treatment, PHQ9_ITEM9)
    phq9_completed(treatment, PHQ9_MODERATE, time_point="pre_session_2")
    BespokeTaskFactory(treatment=treatment, title="Walk to the park")
    MessageFactory(treatment=treatment, body="Hard week at work")
    SessionNoteFactory(treatment=treatment, appointment=last, text="Talked about sleep")

    client.force_login(pwp)
    content = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert "Since session 1" in content
    assert "Sam asked me to the quiz on Friday" in content  # the client's own words
    assert "Old situation before session 1" not in content
    assert "Walk to the park" in content
    assert "Hard week at work" in content
    assert "Talked about sleep" in content
    assert "PHQ-9 item 9 answered above 0" in content
    assert "+1 since baseline: worse (score went up)" in content
    assert "on a scale from 0 to 27" in content  # fixed axis
    assert "Item 9 answered above 0" in content
    everything = client.get(reverse("workspace:review", args=[treatment.pk]), {"all": "1"})
    assert "Old situation before session 1" in everything.content.decode()


@pytest.mark.django_db
def test_opening_review_and_print_is_audit_logged(client, pwp, treatment):
    client.force_login(pwp)
    for name in ("workspace:review", "workspace:review_print"):
        before = AccessEvent.objects.filter(actor=pwp).count()
        assert client.get(reverse(name, args=[treatment.pk])).status_code == 200
        assert AccessEvent.objects.filter(actor=pwp).count() == before + 1


@pytest.mark.django_db
def test_print_view_has_summary_without_forms(client, pwp, treatment, thought_step):
    thought_record(treatment, thought_step)
    client.force_login(pwp)
    content = client.get(reverse("workspace:review_print", args=[treatment.pk])).content.decode()
    assert "Nobody wants me around" in content
    assert "app-print" in content
    assert "Send feedback" not in content and "Save note" not in content


@pytest.mark.django_db
def test_feedback_with_htmx_swaps_the_entry_and_the_client_sees_it(
    client, pwp, treatment, thought_step, client_user
):
    entry = thought_record(treatment, thought_step)
    client.force_login(pwp)
    url = reverse("workspace:entry_feedback", args=[treatment.pk, entry.pk])
    response = client.post(url, {"text": "Great evidence against."}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith(f'<div id="entry-{entry.pk}-feedback"')
    assert "Great evidence against." in content
    assert EntryFeedback.objects.get(entry=entry).author == pwp

    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Great evidence against." in home


@pytest.mark.django_db
def test_empty_feedback_keeps_the_form_and_says_how_to_fix(client, pwp, treatment, thought_step):
    entry = thought_record(treatment, thought_step)
    client.force_login(pwp)
    url = reverse("workspace:entry_feedback", args=[treatment.pk, entry.pk])
    content = client.post(url, {"text": "  "}, HTTP_HX_REQUEST="true").content.decode()
    assert "Write your feedback" in content
    no_js = client.post(url, {"text": ""})
    assert no_js.status_code == 200
    assert "Error:" in no_js.content.decode()
    assert not EntryFeedback.objects.exists()
    ok = client.post(url, {"text": "Well noticed."})
    assert ok.status_code == 302 and ok["Location"].endswith(f"#entry-{entry.pk}")


@pytest.mark.django_db
def test_session_note_is_saved_private_and_audited(client, pwp, treatment, client_user):
    client.force_login(pwp)
    response = client.post(
        reverse("workspace:note_add", args=[treatment.pk]), {"text": "Very private note"}
    )
    assert response.status_code == 302
    note = SessionNote.objects.get()
    assert note.author == pwp and note.treatment == treatment
    assert LogEntry.objects.get_for_object(note).filter(action=LogEntry.Action.CREATE).exists()
    client.force_login(client_user)
    for url in (reverse("programme:home"), reverse("care:my_sessions"), reverse("care:my_tasks")):
        assert "Very private note" not in client.get(url, follow=True).content.decode()
    assert client.get(reverse("workspace:review", args=[treatment.pk])).status_code == 403


@pytest.mark.django_db
def test_supervisor_reads_review_but_cannot_write(client, supervisor, treatment, thought_step):
    entry = thought_record(treatment, thought_step)
    client.force_login(supervisor)
    content = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert "Nobody wants me around" in content and "Send feedback" not in content
    response = client.post(
        reverse("workspace:entry_feedback", args=[treatment.pk, entry.pk]), {"text": "x"}
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("workspace:note_add", args=[treatment.pk]), {"text": "x"}).status_code
        == 404
    )
