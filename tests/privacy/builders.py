"""One row of every kind of data the platform holds about a client.

Every piece of free text carries `marker`, so a test can look for a client's
words anywhere (a ZIP, the database, the audit log) and for another client's
words where they must not be.
"""

import datetime
import uuid

from auditlog.context import set_actor
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import (
    Appointment,
    AppointmentStatus,
    BespokeTask,
    Consent,
    ConsentKind,
    SessionNote,
    SessionRecord,
    TransitionKind,
    Treatment,
    TreatmentTransition,
)
from apps.core import audit
from apps.core.models import AccessEvent, AccessSubject
from apps.earlywarning.models import WarningReview
from apps.messaging.models import Message
from apps.notifications.models import Channel, Notification, NotificationPreference, Status
from apps.privacy.models import ErasureKind, ErasureRequest, ErasureStatus
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    FeedbackReply,
    Module,
    ModulePlan,
    Programme,
    Step,
    StepKind,
    StepProgress,
)
from apps.questionnaires.models import Administration, AdministrationStatus, Answer, AnswerChange
from apps.safety.models import RiskAlert, RiskAlertNotice, RiskAlertStatus, RiskSource
from apps.tracking.models import Goal, GoalComment, GoalRating, MoodRating
from tests.factories import UserFactory


def exercise_step() -> Step:
    programme, _ = Programme.objects.get_or_create(slug="privacy-test", defaults={"title": "P"})
    module, _ = Module.objects.get_or_create(
        programme=programme, slug="thoughts", defaults={"title": "Thoughts", "order": 1}
    )
    step, _ = Step.objects.get_or_create(
        module=module,
        slug="record",
        defaults={
            "title": "Thought record",
            "kind": StepKind.EXERCISE,
            "exercise_type": "thought_record",
        },
    )
    return step


def closed(treatment: Treatment, *, ended_at: datetime.datetime | None = None) -> Treatment:
    """Mark the treatment completed (an erasure needs no open treatment)."""
    Treatment.objects.filter(pk=treatment.pk).update(
        status="completed", ended_at=ended_at or timezone.now()
    )
    treatment.refresh_from_db()
    return treatment


def everything(treatment: Treatment, marker: str, *, reader=None) -> dict:
    """One row of every kind for `treatment`'s client; free text contains `marker`.

    `reader`: a member of staff recorded as having opened the record.
    """
    client, pwp = treatment.client, treatment.pwp
    now = timezone.now()
    step = exercise_step()
    rows: dict = {}
    client.preferred_name = f"{marker}-preferred"
    client.save(update_fields=["preferred_name"])
    rows["consent"] = Consent.objects.create(
        client=client, kind=ConsentKind.FOLLOW_UP, given=True, version="v2"
    )
    Treatment.objects.filter(pk=treatment.pk).update(welcome_message=f"{marker}-welcome")
    rows["transition"] = TreatmentTransition.objects.create(
        treatment=treatment,
        kind=TransitionKind.TRANSFER,
        from_status="active",
        to_status="active",
        from_pwp=pwp,
        to_pwp=pwp,
        reason=f"{marker}-transition-reason",
        actor=pwp,
    )
    appointment = Appointment.objects.create(
        treatment=treatment,
        number=1,
        starts_at=now - datetime.timedelta(days=2),
        status=AppointmentStatus.ATTENDED,
        location=f"{marker}-room",
        created_by=pwp,
    )
    rows["appointment"] = appointment
    record = SessionRecord.objects.create(
        treatment=treatment,
        appointment=appointment,
        agreed=f"{marker}-agreed",
        goal_changes=f"{marker}-goal-changes",
        created_by=pwp,
    )
    rows["session_record"] = record
    rows["session_note"] = SessionNote.objects.create(
        treatment=treatment, appointment=appointment, author=pwp, text=f"{marker}-session-note"
    )
    rows["task"] = BespokeTask.objects.create(
        treatment=treatment,
        title=f"{marker}-task",
        instructions=f"{marker}-instructions",
        due_date=timezone.localdate(),
        client_note=f"{marker}-client-note",
        created_by=pwp,
        session_record=record,
    )
    ModulePlan.objects.create(treatment=treatment, module=step.module, started_at=now)
    StepProgress.objects.create(treatment=treatment, step=step, completed_at=now, seconds_spent=60)
    entry = ExerciseEntry.objects.create(
        treatment=treatment,
        step=step,
        exercise_type="thought_record",
        data={"situation": f"{marker}-situation", "thought": f"{marker}-thought"},
        status=EntryStatus.SUBMITTED,
        submitted_at=now,
    )
    rows["entry"] = entry
    rows["draft"] = ExerciseEntry.objects.create(
        treatment=treatment,
        step=step,
        exercise_type="thought_record",
        data={"situation": f"{marker}-draft"},
    )
    feedback = EntryFeedback.objects.create(entry=entry, author=pwp, text=f"{marker}-feedback")
    rows["reply"] = FeedbackReply.objects.create(
        feedback=feedback, treatment=treatment, text=f"{marker}-reply"
    )
    with set_actor(client):  # the client's own change, in the change log
        rows["mood"] = MoodRating.objects.create(
            client=client,
            treatment=treatment,
            value=4,
            note=f"{marker}-mood-note",
            tags=["sleep"],
            rated_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    rows["mood_alone"] = MoodRating.objects.create(
        client=client,
        value=6,
        note=f"{marker}-mood-alone",
        rated_on=timezone.localdate() - datetime.timedelta(days=400),
    )
    goal = Goal.objects.create(
        client=client,
        treatment=treatment,
        title=f"{marker}-goal",
        why_it_matters=f"{marker}-why",
        created_by=client,
    )
    rows["goal"] = goal
    GoalRating.objects.create(goal=goal, value=5, note=f"{marker}-goal-rating", rated_by=client)
    GoalComment.objects.create(goal=goal, author=pwp, text=f"{marker}-goal-comment")
    administration = Administration.objects.create(
        treatment=treatment,
        instrument="phq9",
        definition_version="1",
        time_point="baseline",
        due_from=now - datetime.timedelta(days=3),
        due_until=now + datetime.timedelta(days=3),
        status=AdministrationStatus.COMPLETED,
        completed_at=now,
        total=9,
        band="mild",
    )
    rows["administration"] = administration
    for item in range(1, 10):
        Answer.objects.create(administration=administration, item=item, value=1)
    AnswerChange.objects.create(
        administration=administration, item=9, old_value=None, new_value=1, changed_by=client
    )
    for from_client in (True, False):
        Message.objects.create(
            treatment=treatment,
            sender=client if from_client else pwp,
            from_client=from_client,
            body=f"{marker}-message-{'client' if from_client else 'pwp'}",
            idempotency_key=uuid.uuid4(),
        )
    alert = RiskAlert.objects.create(
        treatment=treatment,
        source=RiskSource.EXERCISE_SAFETY_WORDS,
        exercise_entry=entry,
        status=RiskAlertStatus.ACKNOWLEDGED,
        acknowledged_by=pwp,
        acknowledged_at=now,
        acknowledgement_note=f"{marker}-alert-note",
    )
    rows["alert"] = alert
    RiskAlertNotice.objects.create(alert=alert, recipient=pwp, step=0)
    WarningReview.objects.create(
        treatment=treatment, reviewed_by=pwp, note=f"{marker}-plan", reasons=[f"{marker}-reason"]
    )
    rows["notification"] = Notification.objects.create(
        recipient=client,
        treatment=treatment,
        kind="session_reminder",
        channel=Channel.EMAIL,
        dedupe_key=f"privacy-test-{treatment.pk}",
        due_at=now,
        original_due_at=now,
        status=Status.SENT,
        sent_at=now,
    )
    NotificationPreference.objects.update_or_create(
        user=client, defaults={"phone_number": "07700900123", "sms_enabled": True}
    )
    LoginEvent.objects.create(user=client)
    for model in (AccessLog, AccessFailureLog):
        model.objects.create(
            username=client.email,
            ip_address="192.0.2.7",
            user_agent=f"{marker}-browser",
            http_accept="*/*",
            path_info="/account/login/",
        )
    if reader is not None:
        event = AccessEvent.objects.create(
            actor=reader,
            actor_role="pwp",
            method="GET",
            view="workspace:review",
            path=f"/care/clients/{treatment.pk}/",
            subjects=[[client.pk, treatment.pk]],
        )
        audit.seal(event)
        AccessSubject.objects.create(event=event, client_id=client.pk, treatment_id=treatment.pk)
    first, second = (
        UserFactory(is_staff=True, is_superuser=True, email=f"a1-{treatment.pk}@example.org"),
        UserFactory(is_staff=True, is_superuser=True, email=f"a2-{treatment.pk}@example.org"),
    )
    rows["rejected_erasure"] = ErasureRequest.objects.create(
        client=client,
        kind=ErasureKind.ERASE,
        reason="The client asked by letter.",
        requested_by=first,
        status=ErasureStatus.REJECTED,
        decided_by=second,
        decided_at=now,
        decision_note="Asked the client to call us first.",
    )
    return rows
