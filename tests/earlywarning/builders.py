"""A varied caseload for the tests that compare the early-warning rules in SQL
(apps/earlywarning/sql.py) and the caseload's order in the database with the
Python rules and sort: every rule firing or not, "seen, plan made" with
nothing new, something new and something worse, clients at every stage, two
services (one with its own thresholds, among them a recent window past the
28-day message window), equal names, ended treatments."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import AppointmentStatus, TreatmentStatus
from apps.earlywarning.models import WarningReview, WarningThresholds
from apps.earlywarning.rules import snapshot
from apps.earlywarning.selectors import facts_for, reasons_for
from apps.questionnaires.models import AdministrationStatus, TimePoint
from apps.safety.models import RiskAlert, RiskAlertStatus
from tests.care.factories import AppointmentFactory, BespokeTaskFactory, MessageFactory, mood
from tests.factories import ClientFactory, TreatmentFactory
from tests.questionnaires.factories import AdministrationFactory

FIRST = ["Ann", "ann", "Bea", "Cem", "Dóra", "Eli", "Zoë", ""]
LAST = ["Ng", "Smith", "Ødegaard", "van Dijk", ""]
PHQ9_BANDS = [(0, "Minimal"), (5, "Mild"), (10, "Moderate"), (15, "Moderately severe"),
              (20, "Severe")]  # fmt: skip


def _band(total: int) -> str:
    return [label for low, label in PHQ9_BANDS if total >= low][-1]


class _Points:
    n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"pre_session_{self.n}"


def _completed(
    t, point, instrument, total, *, days_ago, band=None, subscales=None, time_point=None
):
    return AdministrationFactory(
        treatment=t,
        instrument=instrument,
        time_point=time_point or point(),
        status=AdministrationStatus.COMPLETED,
        completed_at=timezone.now() - datetime.timedelta(days=days_ago, minutes=7),
        total=total,
        band=band if band is not None else (_band(total) if instrument == "phq9" else ""),
        valid=True,
        subscales=subscales or {},
    )


def _seen_now(t) -> None:
    """ "Seen, plan made" with the reasons as they are now."""
    now = timezone.now()
    reasons = reasons_for([t], facts_for([t], at=now))[t.pk]
    if reasons:
        WarningReview.objects.create(
            treatment=t, reviewed_by=t.pwp, note="Plan", seen=snapshot(reasons), created_at=now
        )


def varied_caseload(*, pwp, services, n: int = 64, seed: int = 15) -> list:
    """`n` treatments of `pwp` spread over `services` (the second gets its own
    thresholds), each with a random mix of what the rules look at."""
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    point = _Points()
    if len(services) > 1:
        WarningThresholds.objects.update_or_create(
            service=services[1],
            defaults={
                "recent_days": 40,
                "inactive_days": 3,
                "mood_margin": Decimal("0.5"),
                "mood_min_ratings": 2,
                "phq9_rise": 4,
                "wai_low_max": 40,
                "pwp_reply_days": 1,
            },
        )
    made = []
    for i in range(n):
        status = rng.choice(
            [TreatmentStatus.ACTIVE] * 6
            + [TreatmentStatus.INVITED, TreatmentStatus.COMPLETED, TreatmentStatus.DROPPED_OUT]
        )
        start = today - datetime.timedelta(days=rng.randint(-5, 90))
        ended = status in (TreatmentStatus.COMPLETED, TreatmentStatus.DROPPED_OUT)
        client = ClientFactory(
            email=f"varied-{seed}-{i:03d}@example.org",
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
        )
        t = TreatmentFactory(
            client=client,
            pwp=pwp,
            service=services[i % len(services)],
            status=status,
            start_date=start,
            planned_end_date=start + datetime.timedelta(weeks=rng.choice([8, 11, 12])),
            invited_at=now - datetime.timedelta(days=rng.randint(20, 100)),
            activated_at=None
            if status == TreatmentStatus.INVITED
            else now - datetime.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23)),
            ended_at=now - datetime.timedelta(days=rng.randint(1, 10)) if ended else None,
        )
        made.append(t)
        if rng.random() < 0.7:
            LoginEvent.objects.create(
                user=client, at=now - datetime.timedelta(days=rng.randint(0, 20), hours=i % 24)
            )
        if rng.random() < 0.15:  # open risk alert (and sometimes an acknowledged one)
            admin = _completed(t, point, "phq9", 14, days_ago=rng.randint(0, 9))
            raised = now - datetime.timedelta(days=rng.randint(0, 9), hours=i)
            acknowledged = rng.random() < 0.25
            RiskAlert.objects.create(
                treatment=t,
                source="phq9_item9",
                administration=admin,
                raised_at=raised,
                status=RiskAlertStatus.ACKNOWLEDGED if acknowledged else RiskAlertStatus.OPEN,
                acknowledged_by=pwp if acknowledged else None,
                acknowledged_at=raised + datetime.timedelta(hours=1) if acknowledged else None,
                acknowledgement_note="Called" if acknowledged else "",
            )
        if rng.random() < 0.4:  # PHQ-9 over time: a rise, a worse band, or steady
            totals = rng.choice([[6, 13], [8, 10], [9, 9], [12, 7], [4, 9, 16], [11, 11, 15]])
            for k, total in enumerate(totals):
                _completed(t, point, "phq9", total, days_ago=30 - 10 * k)
        if rng.random() < 0.25:  # WAI-SF-C early and at the end: low, fallen, bond gap
            first = rng.randint(30, 55)
            last = first - rng.choice([0, 3, 6, 20])

            def subscales():
                return {"bond": rng.randint(5, 18), "goal": rng.randint(10, 20),
                        "task": rng.randint(10, 20)}  # fmt: skip

            _completed(t, point, "wai_sf_c", first, days_ago=20, subscales=subscales(),
                       time_point=TimePoint.EARLY_ALLIANCE)  # fmt: skip
            if rng.random() < 0.7:  # some have only the early measure so far
                _completed(t, point, "wai_sf_c", last, days_ago=2, subscales=subscales(),
                           time_point=TimePoint.END_OF_TREATMENT)  # fmt: skip
            if rng.random() < 0.3:  # another time point: never judged
                _completed(t, point, "wai_sf_c", 12, days_ago=1,
                           time_point=TimePoint.FOLLOWUP_3M)  # fmt: skip
        if rng.random() < 0.3:  # missed sessions, recent or not
            for number in rng.sample(range(1, 6), rng.randint(1, 2)):
                AppointmentFactory(
                    treatment=t,
                    number=number,
                    status=AppointmentStatus.DID_NOT_ATTEND,
                    starts_at=now - datetime.timedelta(days=rng.randint(1, 45)),
                )
        if rng.random() < 0.5:
            AppointmentFactory(
                treatment=t,
                number=6,
                starts_at=now + datetime.timedelta(days=rng.randint(1, 20), hours=i),
            )
        if rng.random() < 0.4:  # mood: falling by various amounts, or too few ratings
            recent = [rng.randint(2, 7) for _ in range(rng.randint(1, 7))]
            earlier = [rng.randint(4, 9) for _ in range(rng.randint(1, 14))]
            for d, v in enumerate(recent):
                mood(t, days_ago=d, value=v)
            for d, v in enumerate(earlier):
                mood(t, days_ago=7 + d, value=v)
        if rng.random() < 0.4:  # a thread ending with the client or the PWP
            for k in range(rng.randint(1, 3)):
                MessageFactory(
                    treatment=t,
                    from_client=rng.random() < 0.6,
                    created_at=now - datetime.timedelta(days=rng.choice([0, 1, 3, 6, 20, 35]) + k,
                                                        seconds=rng.randint(0, 5000)),
                )  # fmt: skip
        if rng.random() < 0.2:
            AdministrationFactory(
                treatment=t,
                time_point=point(),
                status=AdministrationStatus.MISSED,
                missed_at=now - datetime.timedelta(days=rng.randint(1, 30)),
            )
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                BespokeTaskFactory(
                    treatment=t, due_date=today - datetime.timedelta(days=rng.randint(-3, 9))
                )
    # "Seen, plan made": then nothing new, something new, or something worse.
    for t in made:
        if rng.random() < 0.35:
            _seen_now(t)
            change = rng.choice(["nothing", "new", "worse", "nothing"])
            if change == "new":
                AppointmentFactory(
                    treatment=t,
                    number=9,
                    status=AppointmentStatus.DID_NOT_ATTEND,
                    starts_at=now - datetime.timedelta(hours=3),
                )
            elif change == "worse":
                BespokeTaskFactory(treatment=t, due_date=today - datetime.timedelta(days=2))
                BespokeTaskFactory(treatment=t, due_date=today - datetime.timedelta(days=3))
    return made
