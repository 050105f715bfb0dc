"""Demo progress for the programme (called by `manage.py demo`). Idempotent.

week3: first module done, second started. week5: two modules done, a real-looking
activity diary and thought record (with practitioner feedback). week9: three
modules done, "Moving more" opened by the practitioner. completed: all required
modules done and a staying well plan.
"""

import datetime
import uuid

from django.conf import settings
from django.utils import timezone

from apps.programme.content import content_load
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    Module,
    ModulePlan,
    Step,
    StepProgress,
)

NAMESPACE = uuid.UUID("6f1d3c3e-6a59-4a53-9a4e-4f1b1f3a7d10")


def _complete_module(treatment, module, when):
    for step in module.steps.filter(is_active=True):
        _complete_step(treatment, step, when)
    ModulePlan.objects.update_or_create(
        treatment=treatment,
        module=module,
        defaults={"started_at": when - datetime.timedelta(days=3), "completed_at": when},
    )


def _complete_step(treatment, step, when):
    StepProgress.objects.get_or_create(
        treatment=treatment,
        step=step,
        defaults={
            "opened_at": when,
            "last_opened_at": when,
            "last_seen_at": when,
            "completed_at": when,
            "seconds_spent": step.minutes * 60,
        },
    )


def _entry(treatment, step, key, data, when, *, status=EntryStatus.SUBMITTED):
    entry, _created = ExerciseEntry.objects.get_or_create(
        client_request_id=uuid.uuid5(NAMESPACE, f"{treatment.participant_id}:{key}"),
        defaults={
            "treatment": treatment,
            "step": step,
            "exercise_type": step.entry_type,
            "data": data,
            "status": status,
            "submitted_at": when if status == EntryStatus.SUBMITTED else None,
        },
    )
    return entry


def populate(context: dict) -> None:
    if not Module.objects.exists():
        content_load(directory=settings.CONTENT_DIR)
    modules = {m.slug: m for m in Module.objects.all()}
    steps = {(s.module.slug, s.slug): s for s in Step.objects.select_related("module")}
    treatments = context["treatments"]
    now = timezone.now()
    today = context["today"]
    pwp = context["staff"]["pwp@example.org"]

    def ago(days):
        return now - datetime.timedelta(days=days)

    if "week3" in treatments:
        t = treatments["week3"]
        _complete_module(t, modules["psychoeducation"], ago(8))
        ba = modules["behavioural-activation"]
        _complete_step(t, steps[("behavioural-activation", "why-doing-less")], ago(2))
        ModulePlan.objects.update_or_create(treatment=t, module=ba, defaults={"started_at": ago(2)})

    if "week5" in treatments:
        t = treatments["week5"]
        _complete_module(t, modules["psychoeducation"], ago(24))
        _complete_module(t, modules["behavioural-activation"], ago(10))
        _entry(
            t,
            steps[("behavioural-activation", "activity-diary")],
            "diary",
            {
                "patterns": "My mood was better when I got out of the flat, especially with my "
                "sister.",
                "rows": [
                    {
                        "day": (today - datetime.timedelta(days=14)).isoformat(),
                        "time": "09:00",
                        "activity": "Stayed in bed, on my phone",
                        "who_with": "",
                        "type": "",
                        "mood": 2,
                        "enjoyment": 1,
                        "achievement": 0,
                    },
                    {
                        "day": (today - datetime.timedelta(days=14)).isoformat(),
                        "time": "12:00",
                        "activity": "Shower and made beans on toast",
                        "who_with": "",
                        "type": "routine",
                        "mood": 3,
                        "enjoyment": 3,
                        "achievement": 5,
                    },
                    {
                        "day": (today - datetime.timedelta(days=13)).isoformat(),
                        "time": "15:00",
                        "activity": "Walked to the shop with my sister",
                        "who_with": "Sister",
                        "type": "pleasurable",
                        "mood": 6,
                        "enjoyment": 5,
                        "achievement": 5,
                    },
                    {
                        "day": (today - datetime.timedelta(days=12)).isoformat(),
                        "time": "10:00",
                        "activity": "Rang the GP surgery about my repeat prescription",
                        "who_with": "",
                        "type": "necessary",
                        "mood": 4,
                        "enjoyment": 1,
                        "achievement": 7,
                    },
                ],
            },
            ago(12),
        )
        cr = modules["cognitive-restructuring"]
        for slug in ("thoughts-and-feelings", "catch-the-thought", "thinking-traps"):
            _complete_step(t, steps[("cognitive-restructuring", slug)], ago(3))
        ModulePlan.objects.update_or_create(treatment=t, module=cr, defaults={"started_at": ago(4)})
        record = _entry(
            t,
            steps[("cognitive-restructuring", "thought-record")],
            "thought1",
            {
                "day": (today - datetime.timedelta(days=2)).isoformat(),
                "time": "19:00",
                "situation": "Saturday evening at home. My friend didn't reply to my message.",
                "feeling": "Sad",
                "feeling_before": 80,
                "body": "Heavy, tired",
                "thought": "She's sick of me and doesn't want to be friends any more.",
                "belief_before": 85,
                "traps": ["mind_reading", "fortune_telling"],
                "evidence_for": "She hasn't replied for six hours.",
                "evidence_against": "She replied last week and asked to meet up. She works shifts "
                "on Saturdays.",
                "balanced_thought": "She is probably at work. She asked to meet up last week, so "
                "she "
                "still wants to see me.",
                "balanced_belief": 70,
                "feeling_after": 45,
                "belief_after": 30,
                "next_action": "Text her tomorrow to fix a day for coffee.",
            },
            ago(2),
        )
        _complete_step(t, steps[("cognitive-restructuring", "thought-record")], ago(2))
        if not EntryFeedback.objects.filter(entry=record).exists():
            EntryFeedback.objects.create(
                entry=record,
                author=pwp,
                text="Great first thought record, Ben. Your evidence against is really specific. "
                "Let's look at the 'mind reading' trap together on Thursday.",
            )

    if "week9" in treatments:
        t = treatments["week9"]
        _complete_module(t, modules["psychoeducation"], ago(50))
        _complete_module(t, modules["behavioural-activation"], ago(35))
        _complete_module(t, modules["cognitive-restructuring"], ago(15))
        ModulePlan.objects.update_or_create(
            treatment=t,
            module=modules["physical-exercise"],
            defaults={"unlocked": True, "assigned_by": pwp, "assigned_at": ago(10)},
        )

    if "completed" in treatments:
        t = treatments["completed"]
        for days, slug in (
            (90, "psychoeducation"),
            (70, "behavioural-activation"),
            (40, "cognitive-restructuring"),
            (10, "relapse-prevention"),
        ):
            _complete_module(t, modules[slug], ago(days))
        _entry(
            t,
            steps[("relapse-prevention", "staying-well-plan")],
            "plan",
            {
                "progress": "My score went from 17 to 7. I'm back at choir.",
                "what_helped": "Activity diary\nPlanning my week\nThought records",
                "keep_doing": "Walk three mornings a week. Choir on Wednesdays.",
                "triggers": "Work deadlines, the anniversary of Dad's death in March.",
                "warning_thoughts": "Thinking 'what's the point'",
                "warning_feelings": "Irritable and flat",
                "warning_body": "Sleeping past 10am",
                "warning_behaviour": "Cancelling choir and not answering texts",
                "if_then": "If I cancel plans twice in a week, I will restart my activity diary "
                "and "
                "ring my sister.",
                "supporters": "My sister Jo: a walk and a chat. My friend Sam: company at choir.",
                "professional_contacts": "My GP at Riverside Surgery. NHS Talking Therapies: I can "
                "refer myself again.",
                "review_date": (today + datetime.timedelta(days=30)).isoformat(),
            },
            ago(10),
        )
