import pytest
from django.core.management import call_command

from apps.care.models import Treatment
from apps.programme import selectors
from apps.programme.models import EntryFeedback, ExerciseEntry, ModulePlan, StepProgress


def counts():
    return tuple(
        m.objects.count() for m in (ModulePlan, StepProgress, ExerciseEntry, EntryFeedback)
    )


@pytest.mark.django_db
def test_demo_progress_is_idempotent_and_matches_each_clients_week():
    call_command("demo")
    before = counts()
    call_command("demo")
    assert counts() == before

    by_email = {t.client.email: t for t in Treatment.objects.select_related("client")}
    week5 = by_email["client5@example.org"]
    types = set(week5.exercise_entries.values_list("exercise_type", flat=True))
    assert {"thought_record", "activity_diary"} <= types
    assert EntryFeedback.objects.filter(entry__treatment=week5).exists()
    completed = by_email["completed@example.org"]
    assert selectors.course_completed(completed)
    assert completed.exercise_entries.filter(exercise_type="staying_well_plan").exists()
    week9 = {s.module.slug: s for s in selectors.module_plan_for(by_email["client9@example.org"])}
    assert week9["physical-exercise"].unlocked
