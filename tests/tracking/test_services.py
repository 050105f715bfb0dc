"""Mood and goal services: one rating per local day, time zones, validation, goals."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from apps.care.models import TreatmentStatus
from apps.core.errors import DomainError
from apps.tracking.models import Goal, GoalStatus, MoodRating
from apps.tracking.services import (
    goal_create,
    goal_rate,
    goal_set_status,
    goal_update,
    mood_rate,
)
from tests.factories import StaffFactory
from tests.tracking.factories import GoalFactory

pytestmark = pytest.mark.django_db


def test_rating_again_the_same_day_updates_the_one_rating(client_user, treatment):
    first = mood_rate(client=client_user, value=4, note="Tired")
    second = mood_rate(client=client_user, value=6)
    assert MoodRating.objects.count() == 1
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.value == 6
    assert second.note == "Tired"  # a quick re-rate keeps the note
    assert second.treatment == treatment


def test_rerating_with_an_empty_note_clears_it_on_purpose(client_user):
    mood_rate(client=client_user, value=4, note="Tired", tags=["sleep"])
    rating = mood_rate(client=client_user, value=5, note="", tags=[])
    assert (rating.note, rating.tags) == ("", [])


@time_machine.travel(datetime.datetime(2026, 7, 14, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_a_rating_at_2330_utc_in_summer_belongs_to_the_next_london_day(client_user):
    client_user.time_zone = "Europe/London"
    rating = mood_rate(client=client_user, value=5)
    assert rating.rated_on == datetime.date(2026, 7, 15)


@time_machine.travel(datetime.datetime(2026, 7, 15, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_the_day_is_the_clients_own_not_the_servers(client_user):
    client_user.time_zone = "America/New_York"  # 22:00 on the 14th there
    assert mood_rate(client=client_user, value=5).rated_on == datetime.date(2026, 7, 14)


def test_ratings_either_side_of_local_midnight_are_two_days(client_user):
    client_user.time_zone = "Europe/London"
    with time_machine.travel(datetime.datetime(2026, 7, 14, 22, 59, tzinfo=datetime.UTC)):
        mood_rate(client=client_user, value=3)
    with time_machine.travel(datetime.datetime(2026, 7, 14, 23, 1, tzinfo=datetime.UTC)):
        mood_rate(client=client_user, value=7)
    assert list(MoodRating.objects.values_list("rated_on", "value")) == [
        (datetime.date(2026, 7, 14), 3),
        (datetime.date(2026, 7, 15), 7),
    ]


@pytest.mark.parametrize("value", [0, 11, -1])
def test_values_outside_1_to_10_are_refused_with_a_clear_message(client_user, value):
    with pytest.raises(DomainError) as exc:
        mood_rate(client=client_user, value=value)
    assert exc.value.field == "value"
    assert "1 to 10" in exc.value.message
    assert not MoodRating.objects.exists()


def test_unknown_tags_are_refused(client_user):
    with pytest.raises(DomainError):
        mood_rate(client=client_user, value=5, tags=["sleep", "lottery"])


def test_staff_cannot_rate_mood(pwp):
    with pytest.raises(DomainError):
        mood_rate(client=pwp, value=5)


def test_after_treatment_ends_ratings_still_work_without_a_treatment(client_user, treatment):
    treatment.status = TreatmentStatus.COMPLETED
    treatment.ended_at = timezone.now()
    treatment.save()
    rating = mood_rate(client=client_user, value=7)
    assert rating.treatment is None


def test_the_database_allows_one_rating_per_client_per_day(client_user):
    from django.db import IntegrityError, transaction

    mood_rate(client=client_user, value=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        MoodRating.objects.create(client=client_user, value=6, rated_on=timezone.localdate())


# --- Goals -----------------------------------------------------------------------


def test_client_sets_their_own_goal_linked_to_the_open_treatment(client_user, treatment):
    goal = goal_create(actor=client_user, client=client_user, title="  Walk the dog  ")
    assert goal.title == "Walk the dog"
    assert goal.treatment == treatment
    assert goal.created_by == client_user
    assert goal.status == GoalStatus.ACTIVE


def test_pwp_sets_a_goal_with_the_client(pwp, client_user):
    goal = goal_create(actor=pwp, client=client_user, title="Call Sam on Sunday")
    assert goal.client == client_user and goal.created_by == pwp


def test_a_client_cannot_set_a_goal_for_another_client(client_user, other_client):
    with pytest.raises(DomainError):
        goal_create(actor=client_user, client=other_client, title="Walk")
    assert not Goal.objects.exists()


def test_goals_need_a_title_and_a_date_not_in_the_past(client_user):
    with pytest.raises(DomainError) as exc:
        goal_create(actor=client_user, client=client_user, title="   ")
    assert exc.value.field == "title"
    with pytest.raises(DomainError) as exc:
        goal_create(
            actor=client_user,
            client=client_user,
            title="Walk",
            target_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert exc.value.field == "target_date"


def test_goal_update_keeps_an_old_past_date_but_refuses_a_new_one(client_user):
    goal = GoalFactory(client=client_user, target_date=datetime.date(2020, 1, 1))
    goal_update(actor=client_user, goal=goal, title="New words", target_date=goal.target_date)
    assert goal.title == "New words"
    with pytest.raises(DomainError):
        goal_update(actor=client_user, goal=goal, title="x", target_date=datetime.date(2021, 1, 1))


def test_goal_ratings_are_0_to_10(client_user):
    goal = GoalFactory(client=client_user)
    assert goal_rate(actor=client_user, goal=goal, value=0).value == 0
    assert goal_rate(actor=client_user, goal=goal, value=10, note=" nearly ").note == "nearly"
    with pytest.raises(DomainError):
        goal_rate(actor=client_user, goal=goal, value=11)
    assert goal.ratings.count() == 2


def test_goal_status_changes_are_recorded_once(client_user):
    goal = GoalFactory(client=client_user)
    goal_set_status(actor=client_user, goal=goal, status=GoalStatus.ACHIEVED)
    first_change = goal.status_changed_at
    goal_set_status(actor=client_user, goal=goal, status=GoalStatus.ACHIEVED)
    assert goal.status_changed_at == first_change
    with pytest.raises(DomainError):
        goal_set_status(actor=client_user, goal=goal, status="forgotten")


def test_changes_are_audit_logged(client_user):
    from auditlog.models import LogEntry

    mood_rate(client=client_user, value=5)
    goal = goal_create(actor=client_user, client=client_user, title="Walk")
    goal_rate(actor=client_user, goal=goal, value=3)
    models = set(LogEntry.objects.values_list("content_type__model", flat=True))
    assert {"moodrating", "goal", "goalrating"} <= models


def test_staff_without_a_client_flag_are_not_goal_owners(db, service):
    pwp = StaffFactory(pwp_in=service)
    with pytest.raises(DomainError):
        goal_create(actor=pwp, client=pwp, title="Walk")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_make_one_record(postgres, client_user):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    errors = []

    def submit(value):
        try:
            barrier.wait(timeout=5)
            mood_rate(client=client_user, value=value)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(v,)) for v in (4, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert MoodRating.objects.filter(client=client_user).count() == 1
    assert MoodRating.objects.get(client=client_user).value in (4, 6)
