"""Each early-warning rule, its threshold setting and its words."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.care.models import AppointmentStatus
from apps.earlywarning.models import WarningThresholds
from apps.earlywarning.selectors import facts_for, reasons_for
from apps.questionnaires.models import AdministrationStatus
from tests.care.factories import (
    PHQ9_ITEM9,
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    mood,
)
from tests.questionnaires.factories import AdministrationFactory

_POINT = iter(range(1, 10_000))


def _reasons(treatment):
    treatment.refresh_from_db()
    return reasons_for([treatment], facts_for([treatment], at=timezone.now()))[treatment.pk]


def _texts(treatment):
    return [r.text for r in _reasons(treatment)]


def _rules(treatment):
    return [r.rule for r in _reasons(treatment)]


def _active(treatment):
    from apps.accounts.models import LoginEvent  # noqa: PLC0415 - why: test helper only

    LoginEvent.objects.create(user=treatment.client, at=timezone.now())


def _completed(treatment, instrument, total, band="", subscales=None, days_ago=0):
    return AdministrationFactory(
        treatment=treatment,
        instrument=instrument,
        time_point=f"pre_session_{next(_POINT)}",
        status=AdministrationStatus.COMPLETED,
        completed_at=timezone.now() - datetime.timedelta(days=days_ago),
        total=total,
        band=band,
        valid=True,
        subscales=subscales or {},
    )


def _mood(treatment, earlier, recent):
    for i, v in enumerate(recent):
        mood(treatment, days_ago=i, value=v)
    for i, v in enumerate(earlier):
        mood(treatment, days_ago=7 + i, value=v)


@pytest.mark.django_db
def test_quiet_client_has_no_reason(treatment):
    _active(treatment)
    assert _reasons(treatment) == []


@pytest.mark.django_db
def test_open_risk_alert(treatment):
    from tests.care.factories import phq9_completed  # noqa: PLC0415 - why: raises the alert

    _active(treatment)
    phq9_completed(treatment, PHQ9_ITEM9)
    assert _texts(treatment)[0] == "Open risk alert"


@pytest.mark.django_db
def test_missed_session_in_words_and_recent_days_setting(treatment):
    _active(treatment)
    AppointmentFactory(
        treatment=treatment,
        number=3,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(days=10),
    )
    assert _texts(treatment) == ["Missed session 3"]
    WarningThresholds.objects.create(service=treatment.service, recent_days=7)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_questionnaire_missed(treatment):
    _active(treatment)
    AdministrationFactory(
        treatment=treatment,
        status=AdministrationStatus.MISSED,
        missed_at=timezone.now() - datetime.timedelta(days=2),
    )
    assert _texts(treatment) == ["Missed the PHQ-9 questionnaire"]
    with override_settings(EARLY_WARNING_RECENT_DAYS=1):
        assert _texts(treatment) == []


@pytest.mark.django_db
def test_no_activity_for_n_days_and_setting(treatment):
    treatment.activated_at = timezone.now() - datetime.timedelta(days=9)
    treatment.save()
    assert _texts(treatment) == ["No activity for 9 days"]
    WarningThresholds.objects.create(service=treatment.service, inactive_days=10)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_mood_falling_in_words_and_margin_setting(treatment):
    _active(treatment)
    # previous 14 days average 6.1 (7 ratings), last 7 days 4.3 (3 ratings)
    _mood(treatment, earlier=[6, 6, 6, 6, 6, 7, 6], recent=[4, 4, 5])
    assert _texts(treatment) == ["Mood down from 6.1 to 4.3 over two weeks"]
    WarningThresholds.objects.create(service=treatment.service, mood_margin="2.0")
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_mood_needs_enough_ratings(treatment):
    _active(treatment)
    _mood(treatment, earlier=[8, 8, 8], recent=[2, 2])
    assert _texts(treatment) == []
    WarningThresholds.objects.create(service=treatment.service, mood_min_ratings=2)
    assert _rules(treatment) == ["mood_falling"]


@pytest.mark.django_db
def test_phq9_reliable_deterioration_and_setting(treatment):
    _active(treatment)
    _completed(treatment, "phq9", 10, "Moderate", days_ago=20)
    _completed(treatment, "phq9", 13, "Moderate", days_ago=10)
    _completed(treatment, "phq9", 16, "Moderate", days_ago=0)  # band labels kept equal
    assert _texts(treatment) == ["PHQ-9 up 6 since the start (10 to 16)"]
    WarningThresholds.objects.create(service=treatment.service, phq9_rise=7)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_phq9_rise_to_a_more_severe_band(treatment):
    _active(treatment)
    _completed(treatment, "phq9", 8, "Mild", days_ago=10)
    _completed(treatment, "phq9", 10, "Moderate", days_ago=0)
    assert _texts(treatment) == ["PHQ-9 now moderate (8 to 10)"]


@pytest.mark.django_db
def test_five_points_is_not_reliable(treatment):
    _active(treatment)
    _completed(treatment, "phq9", 10, "Moderate", days_ago=10)
    _completed(treatment, "phq9", 14, "Moderate", days_ago=0)
    assert _texts(treatment) == []


def _wai(treatment, time_point, total, subscales, days_ago=0, instrument="wai_sf_c"):
    """A completed alliance questionnaire at a protocol time point."""
    return AdministrationFactory(
        treatment=treatment,
        instrument=instrument,
        time_point=time_point,
        status=AdministrationStatus.COMPLETED,
        completed_at=timezone.now() - datetime.timedelta(days=days_ago),
        total=total,
        band="low" if total <= 28 else "medium" if total <= 44 else "high",
        valid=True,
        subscales=subscales,
    )


EARLY, END = "early_alliance", "end_of_treatment"


@pytest.mark.django_db
def test_low_early_alliance_and_setting(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 26, {"task": 9, "bond": 8, "goal": 9})
    assert _texts(treatment) == ["Low alliance score early in treatment (WAI-SF-C 26)"]
    WarningThresholds.objects.create(service=treatment.service, wai_low_max=25)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_the_end_measure_supersedes_a_low_early_one(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 26, {"task": 9, "bond": 8, "goal": 9}, days_ago=40)
    end = _wai(treatment, END, 47, {"task": 16, "bond": 15, "goal": 16})
    assert _texts(treatment) == []  # repaired by the end: nothing to warn about
    end.total, end.subscales = 27, {"task": 9, "bond": 9, "goal": 9}
    end.save()
    assert _texts(treatment) == ["Low alliance score at the end of treatment (WAI-SF-C 27)"]


@pytest.mark.django_db
def test_alliance_fall_between_early_and_end_and_setting(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 50, {"task": 17, "bond": 16, "goal": 17}, days_ago=40)
    _wai(treatment, END, 44, {"task": 15, "bond": 14, "goal": 15})
    assert _texts(treatment) == ["Alliance score fell from 50 early in treatment to 44 at the end"]
    WarningThresholds.objects.create(service=treatment.service, wai_fall=7)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_a_rise_or_a_fall_outside_the_two_time_points_does_not_warn(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 44, {"task": 15, "bond": 14, "goal": 15}, days_ago=60)
    # Extra and follow-up WAI-SF-Cs are not the early or end measure: a fall to them
    # from the first score (the old first-versus-latest rule) does not count.
    _wai(treatment, "ad_hoc", 30, {"task": 10, "bond": 10, "goal": 10}, days_ago=30)
    _wai(treatment, "followup_3m", 31, {"task": 10, "bond": 11, "goal": 10})
    assert _texts(treatment) == []
    _wai(treatment, END, 52, {"task": 18, "bond": 17, "goal": 17}, days_ago=20)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_bond_well_below_goal_and_task_and_setting(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 44, {"task": 17, "bond": 10, "goal": 17})
    assert _texts(treatment) == ["Bond 10, well below goal 17 and task 17 (early in treatment)"]
    WarningThresholds.objects.create(service=treatment.service, bond_gap=8)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_bond_gap_is_judged_on_the_end_measure_once_there(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 44, {"task": 17, "bond": 10, "goal": 17}, days_ago=40)
    _wai(treatment, END, 40, {"task": 15, "bond": 10, "goal": 15})
    # Bond 10 is 5 below goal and task 15 (gap 4 needed): the end measure speaks.
    assert _texts(treatment) == ["Bond 10, well below goal 15 and task 15 (end of treatment)"]


@pytest.mark.django_db
def test_the_practitioners_view_raises_no_warning(treatment):
    _active(treatment)
    _wai(treatment, EARLY, 20, {"task": 7, "bond": 6, "goal": 7}, instrument="wai_sf_t")
    AdministrationFactory(
        treatment=treatment,
        instrument="wai_sf_t",
        time_point=END,
        status=AdministrationStatus.MISSED,
        missed_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_client_message_unanswered_by_pwp_and_setting(treatment):
    _active(treatment)
    MessageFactory(treatment=treatment, created_at=timezone.now() - datetime.timedelta(days=2))
    assert _texts(treatment) == ["Client's message not answered for 2 days"]
    WarningThresholds.objects.create(service=treatment.service, pwp_reply_days=3)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_a_reply_clears_the_unanswered_message(treatment):
    _active(treatment)
    MessageFactory(treatment=treatment, created_at=timezone.now() - datetime.timedelta(days=3))
    MessageFactory(treatment=treatment, from_client=False)
    assert _texts(treatment) == []


@pytest.mark.django_db
def test_pwp_message_unanswered_by_client_and_setting(treatment):
    _active(treatment)
    MessageFactory(
        treatment=treatment,
        from_client=False,
        created_at=timezone.now() - datetime.timedelta(days=6),
    )
    assert _texts(treatment) == ["No reply to your message for 6 days"]
    with override_settings(EARLY_WARNING_CLIENT_REPLY_DAYS=7):
        assert _texts(treatment) == []


@pytest.mark.django_db
def test_overdue_task(treatment):
    _active(treatment)
    BespokeTaskFactory(
        treatment=treatment, due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert _texts(treatment) == ["Overdue task"]


@pytest.mark.django_db
def test_reasons_follow_the_documented_priority(treatment):
    _active(treatment)
    MessageFactory(treatment=treatment, created_at=timezone.now() - datetime.timedelta(days=3))
    _mood(treatment, earlier=[7, 7, 7], recent=[4, 4, 4])
    AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert _rules(treatment) == ["missed_session", "mood_falling", "client_message_unanswered"]


@pytest.mark.django_db
def test_facts_only_use_what_existed_at_the_moment(treatment):
    """The trial report replays past moments: later data must not leak in."""
    _active(treatment)
    AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    earlier = timezone.now() - datetime.timedelta(days=3)
    facts = facts_for([treatment], at=earlier, last_activity={treatment.pk: earlier})
    assert reasons_for([treatment], facts)[treatment.pk] == []
