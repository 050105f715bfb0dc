import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from apps.care.models import TreatmentStatus
from apps.core.errors import DomainError
from apps.programme import selectors, services
from apps.programme.models import EntryStatus, ExerciseEntry, ModulePlan, StepProgress
from tests.programme.factories import ExerciseEntryFactory

REQUIRED = [
    "psychoeducation",
    "behavioural-activation",
    "cognitive-restructuring",
    "relapse-prevention",
]


def complete_module(treatment, module):
    for step in module.steps.filter(is_active=True):
        services.step_complete(treatment=treatment, step=step)


def states_by_slug(treatment):
    return {s.module.slug: s for s in selectors.module_plan_for(treatment)}


@pytest.mark.django_db
def test_default_plan_opens_required_modules_one_at_a_time(treatment, content):
    states = states_by_slug(treatment)
    assert states["psychoeducation"].unlocked
    assert not states["behavioural-activation"].unlocked
    assert "Understanding depression" in states["behavioural-activation"].locked_reason
    assert not states["physical-exercise"].unlocked
    assert "practitioner can open" in states["physical-exercise"].locked_reason

    complete_module(treatment, content["psychoeducation"])

    states = states_by_slug(treatment)
    assert states["psychoeducation"].status == "completed"
    assert states["behavioural-activation"].status == "not_started"
    assert not states["cognitive-restructuring"].unlocked


@pytest.mark.django_db
def test_pwp_unlocks_an_optional_module(treatment, pwp, content):
    plan = services.module_unlock(actor=pwp, treatment=treatment, module=content["problem-solving"])
    assert plan.assigned_by == pwp and plan.assigned_at is not None
    assert states_by_slug(treatment)["problem-solving"].unlocked
    # The first open, unfinished module stays the current one.
    assert (
        selectors.current_module(selectors.module_plan_for(treatment)).module.slug
        == "psychoeducation"
    )


@pytest.mark.django_db
def test_unlock_is_refused_for_the_client_and_for_another_services_pwp(
    treatment, client_user, other_pwp, colleague_pwp, content
):
    with pytest.raises(PermissionDenied):
        services.module_unlock(
            actor=client_user, treatment=treatment, module=content["problem-solving"]
        )
    with pytest.raises(Http404):
        services.module_unlock(
            actor=other_pwp, treatment=treatment, module=content["problem-solving"]
        )
    with pytest.raises(Http404):
        services.module_unlock(
            actor=colleague_pwp, treatment=treatment, module=content["problem-solving"]
        )
    assert not ModulePlan.objects.filter(unlocked=True).exists()


@pytest.mark.django_db
def test_step_progress_keeps_first_open_and_caps_time_per_gap(treatment, step):
    reading = step("psychoeducation", "what-depression-is")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.step_open(treatment=treatment, step=reading)
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        services.step_activity(treatment=treatment, step=reading)
    # Tab left open for an hour: the gap counts at most GAP_CAP_SECONDS.
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        services.step_complete(treatment=treatment, step=reading)
    progress = StepProgress.objects.get(treatment=treatment, step=reading)
    assert progress.opened_at == start
    assert progress.completed_at == start + datetime.timedelta(hours=1)
    assert progress.seconds_spent == 30 + StepProgress.GAP_CAP_SECONDS

    with time_machine.travel(start + datetime.timedelta(days=1), tick=False):
        services.step_open(treatment=treatment, step=reading)
        services.step_complete(treatment=treatment, step=reading)
    progress.refresh_from_db()
    assert progress.opened_at == start
    assert progress.last_opened_at == start + datetime.timedelta(days=1)
    assert progress.completed_at == start + datetime.timedelta(hours=1)  # first completion kept
    assert progress.visits == 2


@pytest.mark.django_db
def test_one_visit_counts_at_most_the_visit_cap(treatment, step):
    reading = step("psychoeducation", "what-depression-is")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.step_open(treatment=treatment, step=reading)
    for minute in range(1, 120):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            services.step_activity(treatment=treatment, step=reading)
    progress = StepProgress.objects.get(treatment=treatment, step=reading)
    assert progress.seconds_spent == StepProgress.VISIT_CAP_SECONDS


@pytest.mark.django_db
def test_module_completes_when_every_step_is_done_and_course_after_four(treatment, content):
    for slug in REQUIRED[:3]:
        complete_module(treatment, content[slug])
    assert not selectors.course_completed(treatment)
    complete_module(treatment, content["relapse-prevention"])
    plan = ModulePlan.objects.get(treatment=treatment, module=content["relapse-prevention"])
    assert plan.completed_at is not None and plan.started_at is not None
    assert selectors.course_completed(treatment)
    assert selectors.adherence_for(treatment)["modules_completed"] == 4


@pytest.mark.django_db
def test_submitting_twice_with_the_same_form_id_creates_one_entry(treatment, step):
    cycle = step("psychoeducation", "my-cycle")
    request_id = uuid.uuid4()
    first, created = services.exercise_submit(
        treatment=treatment, step=cycle, client_request_id=request_id, data={"trigger": "A"}
    )
    again, created_again = services.exercise_submit(
        treatment=treatment, step=cycle, client_request_id=request_id, data={"trigger": "B"}
    )
    assert first.pk == again.pk and created and not created_again
    assert ExerciseEntry.objects.count() == 1
    assert again.data == {"trigger": "A"}
    assert StepProgress.objects.get(treatment=treatment, step=cycle).completed_at


@pytest.mark.django_db
def test_draft_save_never_touches_a_sent_entry_and_keeps_edits_apart_for_plans(treatment, step):
    cycle = step("psychoeducation", "my-cycle")
    sent = ExerciseEntryFactory(treatment=treatment, step=cycle, data={"trigger": "A"})
    services.exercise_save_draft(
        treatment=treatment,
        step=cycle,
        client_request_id=sent.client_request_id,
        values={"trigger": "B"},
    )
    sent.refresh_from_db()
    assert sent.data == {"trigger": "A"}

    plan_step = step("relapse-prevention", "staying-well-plan")
    plan = ExerciseEntryFactory(treatment=treatment, step=plan_step, data={"supporters": "Jo"})
    services.exercise_save_draft(
        treatment=treatment,
        step=plan_step,
        client_request_id=plan.client_request_id,
        values={"supporters": "Jo and Sam"},
    )
    plan.refresh_from_db()
    assert plan.data["supporters"] == "Jo"  # the practitioner still sees the sent version
    assert services.working_data(plan)["supporters"] == "Jo and Sam"


@pytest.mark.django_db
def test_draft_save_into_another_treatments_entry_is_a_404(treatment, other_treatment, step):
    cycle = step("psychoeducation", "my-cycle")
    theirs = ExerciseEntryFactory(
        treatment=other_treatment, step=cycle, status=EntryStatus.DRAFT, submitted_at=None
    )
    with pytest.raises(Http404):
        services.exercise_save_draft(
            treatment=treatment, step=cycle, client_request_id=theirs.client_request_id, values={}
        )


@pytest.mark.django_db
def test_feedback_leave_needs_staff_write_access_and_a_sent_entry(
    treatment, pwp, other_pwp, client_user, step
):
    entry = ExerciseEntryFactory(treatment=treatment, step=step("psychoeducation", "my-cycle"))
    feedback = services.feedback_leave(actor=pwp, entry=entry, text="Well done.")
    assert feedback.author == pwp
    with pytest.raises(Http404):
        services.feedback_leave(actor=other_pwp, entry=entry, text="Hi")
    with pytest.raises(PermissionDenied):
        services.feedback_leave(actor=client_user, entry=entry, text="Hi")
    with pytest.raises(DomainError):
        services.feedback_leave(actor=pwp, entry=entry, text="  ")
    entry.status, entry.submitted_at = EntryStatus.DRAFT, None
    entry.save()
    with pytest.raises(DomainError):
        services.feedback_leave(actor=pwp, entry=entry, text="Hi")


@pytest.mark.django_db
def test_after_treatment_ends_only_started_or_completed_modules_stay_open(treatment, content):
    complete_module(treatment, content["psychoeducation"])
    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    states = states_by_slug(treatment)
    assert states["psychoeducation"].unlocked
    assert not states["behavioural-activation"].unlocked
    assert "ended" in states["behavioural-activation"].locked_reason
