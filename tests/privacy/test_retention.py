"""The retention schedule: each kind of data goes when its period is over, and
not a day before; an open treatment and the audit tables are never touched.

Each test runs the daily task itself (`retention_enforce`, Celery eager) with
the clock moved by time-machine.
"""

import datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.care.models import SessionNote
from apps.core.audit import chain_verify
from apps.core.models import AccessEvent, AuditSeal
from apps.messaging.models import Message
from apps.notifications.models import Notification
from apps.privacy.erasure import REMOVED, is_anonymised
from apps.privacy.models import PrivacyAction, PrivacyEvent, SarStatus, SubjectAccessRequest
from apps.privacy.services import access_request_create
from apps.privacy.tasks import retention_enforce
from apps.programme.models import ExerciseEntry
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource
from apps.tracking.models import Goal, MoodRating
from tests.privacy.builders import closed, everything

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def days(settings):
    """Short periods, so each rule can be crossed in a test."""
    settings.RETENTION_DAYS = {
        "clinical_record": 100,
        "messages": 60,
        "mood_notes": 30,
        "notifications": 20,
        "data_copies": 10,
    }
    return settings.RETENTION_DAYS


def _run_at(moment: datetime.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return retention_enforce.delay().get()


def test_the_daily_task_is_declared_with_the_other_periodic_tasks():
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == "apps.privacy.tasks.retention_enforce"
    assert entry["schedule"] == 24 * 3600.0


def test_defaults_follow_the_records_code_and_are_documented():
    from pathlib import Path

    doc = (Path(settings.BASE_DIR) / "docs" / "privacy.md").read_text()
    for rule, env in (
        ("clinical_record", "RETENTION_CLINICAL_RECORD_DAYS"),
        ("messages", "RETENTION_MESSAGES_DAYS"),
        ("mood_notes", "RETENTION_MOOD_NOTES_DAYS"),
        ("notifications", "RETENTION_NOTIFICATIONS_DAYS"),
        ("data_copies", "RETENTION_DATA_COPY_DAYS"),
    ):
        assert f"`{env}`" in doc and f"`{settings.RETENTION_DAYS[rule]}`" in doc, rule


@pytest.fixture
def ended(treatment, pwp, days):
    """The client's treatment, with every kind of data, ended at T0."""
    with time_machine.travel(T0, tick=False):
        everything(treatment, "ALPHA", reader=pwp)
        closed(treatment, ended_at=T0)
    return treatment


def test_clinical_text_goes_when_the_period_ends_and_not_before(ended, days):
    period = datetime.timedelta(days=days["clinical_record"])
    _run_at(T0 + period - DAY)
    assert SessionNote.objects.get(treatment=ended).text == "ALPHA-session-note"
    assert not is_anonymised(User.objects.get(pk=ended.client_id))

    done = _run_at(T0 + period + DAY)
    assert done["clinical_record.session_notes"] == 1
    assert SessionNote.objects.get(treatment=ended).text == REMOVED
    assert Goal.objects.get(treatment=ended).title == REMOVED
    assert ExerciseEntry.objects.filter(treatment=ended, data={}).count() == 2
    assert MoodRating.objects.filter(client=ended.client, note="").count() == 2
    # The account goes too: no treatment of theirs is still within its period.
    assert done["clinical_record.accounts"] == 1
    assert is_anonymised(User.objects.get(pk=ended.client_id))
    # Messages have their own, longer-or-shorter clock: here 60 days, already past.
    assert set(Message.objects.filter(treatment=ended).values_list("body", flat=True)) == {REMOVED}


def test_messages_go_on_their_own_clock(ended, days):
    period = datetime.timedelta(days=days["messages"])
    _run_at(T0 + period - DAY)
    assert Message.objects.filter(treatment=ended, body__startswith="ALPHA").count() == 2
    done = _run_at(T0 + period + DAY)
    assert done["messages"] == 2
    assert not any(key.startswith("clinical_record") for key in done)
    assert Message.objects.filter(treatment=ended).count() == 2  # rows kept for research
    assert SessionNote.objects.get(treatment=ended).text == "ALPHA-session-note"


def test_mood_notes_outside_treatment_go_by_the_day_rated(client_user, days):
    day = timezone.localdate(T0)
    with time_machine.travel(T0, tick=False):
        alone = MoodRating.objects.create(
            client=client_user, value=6, note="ALPHA-alone", tags=["sleep"], rated_on=day
        )
    period = datetime.timedelta(days=days["mood_notes"])
    _run_at(T0 + period - DAY)
    assert MoodRating.objects.get(pk=alone.pk).note == "ALPHA-alone"
    assert _run_at(T0 + period + DAY) == {"mood_notes": 1}
    alone.refresh_from_db()
    assert (alone.note, alone.tags, alone.value) == ("", [], 6)


def test_finished_notifications_go_pending_ones_stay(ended, days, client_user):
    with time_machine.travel(T0, tick=False):
        pending = Notification.objects.create(
            recipient=client_user,
            kind="mood_reminder",
            channel="email",
            dedupe_key="later",
            due_at=T0 + datetime.timedelta(days=365),
            original_due_at=T0 + datetime.timedelta(days=365),
        )
    period = datetime.timedelta(days=days["notifications"])
    _run_at(T0 + period - DAY)
    assert Notification.objects.filter(recipient=client_user).count() == 2
    _run_at(T0 + period + DAY)
    assert list(Notification.objects.filter(recipient=client_user)) == [pending]


def test_copies_of_data_are_deleted_at_expiry(
    treatment, admin_user, days, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_ROOT = tmp_path
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        copy = access_request_create(actor=admin_user, client=treatment.client)
    copy.refresh_from_db()
    path = tmp_path / copy.file_name
    period = datetime.timedelta(days=days["data_copies"])
    _run_at(T0 + period - DAY)
    assert path.exists()
    assert _run_at(T0 + period + DAY) == {"data_copies": 1}
    copy.refresh_from_db()
    assert copy.status == SarStatus.EXPIRED and not path.exists()


def test_an_open_treatment_is_never_touched(treatment, pwp, days):
    with time_machine.travel(T0, tick=False):
        everything(treatment, "ALPHA", reader=pwp)  # the treatment stays active
        Notification.objects.filter(recipient=treatment.client).update(updated_at=T0)
    _run_at(T0 + datetime.timedelta(days=10 * 365))
    assert SessionNote.objects.get(treatment=treatment).text == "ALPHA-session-note"
    assert Message.objects.filter(treatment=treatment, body__startswith="ALPHA").count() == 2
    assert Notification.objects.filter(treatment=treatment).exists()
    assert not is_anonymised(User.objects.get(pk=treatment.client_id))


def test_a_treatment_with_an_open_alert_is_never_touched(ended, days):
    RiskAlert.objects.create(
        treatment=ended,
        source=RiskSource.EXERCISE_SAFETY_WORDS,
        exercise_entry=ExerciseEntry.objects.filter(treatment=ended).first(),
        status=RiskAlertStatus.OPEN,
    )
    _run_at(T0 + datetime.timedelta(days=10 * 365))
    assert SessionNote.objects.get(treatment=ended).text == "ALPHA-session-note"
    assert not is_anonymised(User.objects.get(pk=ended.client_id))


def test_audit_rows_are_never_touched_and_the_chain_still_verifies(ended, days):
    before = (LogEntry.objects.count(), AccessEvent.objects.count(), AuditSeal.objects.count())
    assert before[1] == 1
    _run_at(T0 + datetime.timedelta(days=10 * 365))
    after = (LogEntry.objects.count(), AccessEvent.objects.count(), AuditSeal.objects.count())
    assert after[0] >= before[0] and after[1] == before[1] and after[2] > before[2]
    _checked, problem = chain_verify()
    assert problem is None


def test_each_run_is_recorded_even_when_nothing_is_due(days):
    _run_at(T0)
    _run_at(T0 + DAY)
    runs = PrivacyEvent.objects.filter(action=PrivacyAction.RETENTION_APPLIED)
    assert runs.count() == 2
    assert runs.first().detail["days"] == days


def test_a_copy_being_made_is_not_expired(treatment, admin_user, days):
    copy = access_request_create(actor=admin_user, client=treatment.client)  # never run
    _run_at(timezone.now() + datetime.timedelta(days=365))
    assert SubjectAccessRequest.objects.get(pk=copy.pk).status == SarStatus.PENDING
