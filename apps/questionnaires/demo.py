"""Demo questionnaires: baseline and pre-session PHQ-9/GAD-7 with improving scores,
end-of-treatment PHQ-9 and WAI-SF-C (placeholder wording) for the completed client,
and an item-9 answer of 1 on the week-5 client's latest PHQ-9 with its open risk
alert. Every client past session 2 has the early WAI-SF-C and their PWP's WAI-SF-T
(the week-5 client's alliance is low: an early warning); the completed client has
both at the end too. Idempotent: rows are keyed by (treatment, instrument, time point).
"""

import datetime

from django.utils import timezone

from apps.questionnaires.catalogue import PLACEHOLDER_VERSION, scoring_definition
from apps.questionnaires.models import Administration, AdministrationStatus, Answer, TimePoint
from apps.questionnaires.scoring import score
from apps.questionnaires.services import _store_score
from apps.safety.models import RiskAlert
from apps.safety.services import risk_sources_for

CLIENT_KEYS = ("week3", "week5", "week9", "completed")
SESSION_DAYS = (1, 15, 29, 43, 57, 71)  # day of treatment of sessions 1-6
RISK_KEY = "week5"
# Early WAI-SF-C and WAI-SF-T totals (client, PWP), the day after session 2: the client's
# views spread over the low, medium and high bands (the trial overview plots them against
# PHQ-9 change); the week-5 client's view is low (a warning) while the PWP's is not, the gap
# the side-by-side view is for.
EARLY_ALLIANCE = {"week3": (44, 46), "week5": (27, 41), "week9": (52, 50), "completed": (38, 44)}


def _answers(code: str, total: int, *, item9: int = 0) -> dict[int, int]:
    definition = scoring_definition(code)
    scored = [i for i in definition.scored_items if not (code == "phq9" and i.n == 9)]
    lo, hi = (
        min(definition.options, key=lambda o: o.value).value,
        max(o.value for o in definition.options),
    )
    remaining = total - item9 - lo * len(scored)
    answers = {}
    for item in scored:
        add = min(hi - lo, max(0, remaining))
        answers[item.n] = lo + add
        remaining -= add
    if code == "phq9":
        answers[9] = item9
        answers[10] = 1
    if code == "gad7":
        answers[8] = 1
    return answers


def _completed(
    treatment, code, time_point, when, total, *, item9=0, answered_by=None
) -> Administration:
    existing = Administration.objects.filter(
        treatment=treatment, instrument=code, time_point=time_point
    ).first()
    if existing is not None:
        return existing
    definition = scoring_definition(code)
    answers = _answers(code, total, item9=item9)
    row = Administration(
        treatment=treatment,
        instrument=code,
        definition_version=definition.version,
        wording_version=PLACEHOLDER_VERSION if definition.wording else "",
        time_point=time_point,
        due_from=when - datetime.timedelta(days=2),
        due_until=when + datetime.timedelta(days=2),
        status=AdministrationStatus.COMPLETED,
        opened_at=when - datetime.timedelta(days=1),
        started_at=when,
        completed_at=when,
        link_nonce="",
        answered_by=answered_by,
    )
    _store_score(row, score(definition=definition, answers=answers))
    row.save()
    Answer.objects.bulk_create(
        [Answer(administration=row, item=n, value=v, answered_at=when) for n, v in answers.items()]
    )
    return row


def populate(context: dict) -> None:
    now = timezone.now()
    for key in CLIENT_KEYS:
        treatment = context["treatments"].get(key)
        if treatment is None:
            continue
        start = datetime.datetime.combine(
            treatment.start_date, datetime.time(10), tzinfo=datetime.UTC
        )
        end = treatment.ended_at or now
        moments = [(TimePoint.BASELINE, start)]
        for number, day in enumerate(SESSION_DAYS, start=1):
            when = start + datetime.timedelta(days=day - 1, hours=2)
            if when < end and number > 1:
                moments.append((TimePoint.pre_session(number), when))
        last_phq9 = len(moments) - 1
        for k, (time_point, when) in enumerate(moments):
            item9 = 1 if key == RISK_KEY and k == last_phq9 else 0
            _completed(treatment, "phq9", time_point, when, max(4, 17 - 2 * k), item9=item9)
            _completed(treatment, "gad7", time_point, when, max(3, 14 - 2 * k))
        session_two = start + datetime.timedelta(days=SESSION_DAYS[1] - 1, hours=3)
        if session_two < end:
            theirs, pwps = EARLY_ALLIANCE[key]
            _completed(treatment, "wai_sf_c", TimePoint.EARLY_ALLIANCE, session_two, theirs)
            _completed(
                treatment,
                "wai_sf_t",
                TimePoint.EARLY_ALLIANCE,
                session_two,
                pwps,
                answered_by=treatment.pwp,
            )
        if key == "completed" and treatment.ended_at:
            when = treatment.ended_at - datetime.timedelta(hours=20)
            _completed(treatment, "phq9", TimePoint.END_OF_TREATMENT, when, 6)
            _completed(treatment, "wai_sf_c", TimePoint.END_OF_TREATMENT, when, 49)
            _completed(
                treatment,
                "wai_sf_t",
                TimePoint.END_OF_TREATMENT,
                when,
                50,
                answered_by=treatment.pwp,
            )
    _risk_alert(context)


def _risk_alert(context: dict) -> None:
    """One open item-9 alert for the week-5 client's latest PHQ-9."""
    treatment = context["treatments"].get(RISK_KEY)
    if treatment is None:
        return
    administration = (
        Administration.objects.filter(
            treatment=treatment, instrument="phq9", status=AdministrationStatus.COMPLETED
        )
        .order_by("-completed_at")
        .first()
    )
    if administration is None:
        return
    answers = dict(administration.answers.values_list("item", "value"))
    result = score(definition=scoring_definition("phq9"), answers=answers)
    for source in risk_sources_for(result):
        RiskAlert.objects.get_or_create(
            administration=administration,
            source=source,
            defaults={"treatment": treatment, "raised_at": administration.completed_at},
        )
