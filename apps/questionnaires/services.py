"""Writes for questionnaires: planning the schedule, answering, completing.

Schedule (docs/questionnaires.md): per the service's protocol, anchored to the
client's own dates. `administration_plan_for` computes it (no writes);
`treatment_administrations_sync` makes the rows match it; `administrations_advance`
opens windows (invitation), sends reminders and marks closed ones missed.
All three are idempotent: the beat task runs them every 15 minutes.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.care.consent import has_consent
from apps.care.models import (
    CANCELLED_STATUSES,
    OPEN_STATUSES,
    Appointment,
    AppointmentStatus,
    ConsentKind,
    Service,
    Treatment,
    TreatmentStatus,
)
from apps.core.errors import DomainError
from apps.questionnaires import outbox
from apps.questionnaires.catalogue import (
    missing_wordings,
    practitioner_instruments,
    practitioner_pairs,
    scoring_definition,
    wording_status,
)
from apps.questionnaires.models import (
    ACTIVE_STATUSES,
    ANSWERABLE_STATUSES,
    PROTOCOL_PRESETS,
    Administration,
    AdministrationStatus,
    Answer,
    AnswerChange,
    FollowupAnchor,
    QuestionnaireProtocol,
    TimePoint,
)
from apps.questionnaires.scoring import ScoreResult, score
from apps.safety.services import risk_alert_raise_for_answers, risk_alerts_raise

log = structlog.get_logger(__name__)

KIND_INVITATION = "questionnaire_invitation"
KIND_REMINDER = "questionnaire_reminder"


# --------------------------------------------------------------------------- protocol


@dataclass(frozen=True)
class Protocol:
    """Instrument codes per time point; an empty tuple gives nothing there."""

    baseline: tuple[str, ...]
    pre_session: tuple[str, ...]
    end_of_treatment: tuple[str, ...]
    followup_3m: tuple[str, ...]
    followup_6m: tuple[str, ...]
    followup_12m: tuple[str, ...]
    early_alliance: tuple[str, ...] = ()
    early_alliance_after_session: int = 2
    followup_anchor: str = FollowupAnchor.END_OF_TREATMENT
    wai_later_after_long_treatment: bool = False
    name: str = ""
    # The practitioner's questionnaires (WAI-SF-T) follow the client's they pair with.
    practitioner_alliance: bool = True


WAI = "wai_sf_c"


def protocol_for(service: Service) -> Protocol:
    """The service's QuestionnaireProtocol if it has one, else the settings default.

    The default is the named preset QUESTIONNAIRE_PROTOCOL_PRESET when set
    ("e_compared", "nhs_routine"), else settings.QUESTIONNAIRE_PROTOCOL with
    follow-ups counted from the end of treatment.
    """
    row = QuestionnaireProtocol.objects.filter(service=service).first()
    preset = settings.QUESTIONNAIRE_PROTOCOL_PRESET
    if row is None and preset:
        row = QuestionnaireProtocol(service=service, preset=preset)
        row.apply_preset()
    if row is not None:
        lists = {name: tuple(getattr(row, name)) for name in QuestionnaireProtocol.SCHEDULE_FIELDS}
        six, twelve = row.followup_6m_enabled, row.followup_12m_enabled
        anchor, wai_later = row.followup_anchor, row.wai_later_after_long_treatment
        name = str(PROTOCOL_PRESETS[row.preset]["label"]) if row.preset else ""
        early_after = row.early_alliance_after_session
        practitioner = row.practitioner_alliance
    else:
        lists = {k: tuple(v) for k, v in settings.QUESTIONNAIRE_PROTOCOL.items()}
        early_after = settings.QUESTIONNAIRE_EARLY_ALLIANCE_AFTER_SESSION
        six, twelve = settings.QUESTIONNAIRE_FOLLOWUP_6M, settings.QUESTIONNAIRE_FOLLOWUP_12M
        anchor, wai_later, name = FollowupAnchor.END_OF_TREATMENT, False, ""
        practitioner = settings.QUESTIONNAIRE_PRACTITIONER_ALLIANCE
    if not six:
        lists["followup_6m"] = ()
    if not twelve:
        lists["followup_12m"] = ()
    return Protocol(
        **lists,
        early_alliance_after_session=early_after,
        followup_anchor=anchor,
        wai_later_after_long_treatment=wai_later,
        name=name,
        practitioner_alliance=practitioner,
    )


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlannedAdministration:
    instrument: str
    time_point: str
    due_from: datetime.datetime
    due_until: datetime.datetime
    appointment: Appointment | None = None


def _local_midnight(day: datetime.date, tz_name: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(tz_name))


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """Same day-of-month `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _end_anchor(treatment: Treatment) -> datetime.datetime:
    """Actual end for an ended treatment, else the start of the planned end date."""
    if not treatment.is_open and treatment.ended_at:
        return treatment.ended_at
    return _local_midnight(treatment.planned_end_date, treatment.service.time_zone)


def administration_plan_for(treatment: Treatment) -> list[PlannedAdministration]:
    """Every administration the protocol gives this treatment, with its window.

    The client's questionnaires (`_client_plan`), then, when the protocol's
    ``practitioner_alliance`` is on, each practitioner's questionnaire (WAI-SF-T)
    at every time point and in the same window as the client's one it pairs
    with (WAI-SF-C), addressed to the treatment's PWP. Pure: reads, never writes.
    """
    if treatment.status == TreatmentStatus.WITHDRAWN:
        return []
    protocol = protocol_for(treatment.service)
    plan = _client_plan(treatment, protocol)
    if not protocol.practitioner_alliance:
        return plan
    pairs = practitioner_pairs()
    return plan + [
        PlannedAdministration(code, p.time_point, p.due_from, p.due_until, p.appointment)
        for p in plan
        for code in pairs.get(p.instrument, ())
    ]


def _client_plan(treatment: Treatment, protocol: Protocol) -> list[PlannedAdministration]:
    """The client's questionnaires the protocol gives this treatment, with their windows.

    Anchors: baseline at the start date (window QUESTIONNAIRE_BASELINE_WINDOW_DAYS);
    pre-session from QUESTIONNAIRE_PRE_SESSION_OPENS_DAYS before each live
    appointment until it starts; end of treatment from the actual end (or the
    planned end while open), opening QUESTIONNAIRE_END_OPENS_DAYS_BEFORE days
    earlier; follow-ups 3/6/12 calendar months after that end, or after the
    start when the protocol's ``followup_anchor`` is baseline (E-COMPARED); the
    WAI-SF-C moves from 3 to 6 months when the protocol says so and treatment
    ran longer than 3 months. A client who stopped follow-up contact gets no
    follow-ups.
    """
    tz_name = treatment.service.time_zone
    day = datetime.timedelta(days=1)
    plan: list[PlannedAdministration] = []

    start = _local_midnight(treatment.start_date, tz_name)
    for code in protocol.baseline:
        plan.append(
            PlannedAdministration(
                code,
                TimePoint.BASELINE,
                start,
                start + settings.QUESTIONNAIRE_BASELINE_WINDOW_DAYS * day,
            )
        )

    if protocol.pre_session:
        appointments = treatment.appointments.exclude(status__in=CANCELLED_STATUSES).order_by(
            "number"
        )
        for appointment in appointments:
            opens = appointment.starts_at - settings.QUESTIONNAIRE_PRE_SESSION_OPENS_DAYS * day
            for code in protocol.pre_session:
                plan.append(
                    PlannedAdministration(
                        code,
                        TimePoint.pre_session(appointment.number),
                        opens,
                        appointment.starts_at,
                        appointment,
                    )
                )

    # Early alliance: opens when session N (default 2) is marked attended, for
    # QUESTIONNAIRE_EARLY_ALLIANCE_WINDOW_DAYS; nothing until then.
    if protocol.early_alliance:
        session = (
            treatment.appointments.filter(
                number=protocol.early_alliance_after_session, status=AppointmentStatus.ATTENDED
            )
            .order_by("starts_at")
            .first()
        )
        if session is not None:
            opens = session.starts_at + datetime.timedelta(minutes=session.duration_minutes)
            for code in protocol.early_alliance:
                plan.append(
                    PlannedAdministration(
                        code,
                        TimePoint.EARLY_ALLIANCE,
                        opens,
                        opens + settings.QUESTIONNAIRE_EARLY_ALLIANCE_WINDOW_DAYS * day,
                    )
                )

    end = _end_anchor(treatment)
    followups = {tp: list(getattr(protocol, tp)) for tp in TimePoint.FOLLOWUPS}
    # E-COMPARED: the WAI-SF-C at 3 months, or at 6 months when treatment was
    # still running 3 months after it started (planned end while open).
    if (
        protocol.wai_later_after_long_treatment
        and WAI in followups[TimePoint.FOLLOWUP_3M]
        and end > add_months(start, 3)
    ):
        followups[TimePoint.FOLLOWUP_3M].remove(WAI)
        if WAI not in followups[TimePoint.FOLLOWUP_6M]:
            followups[TimePoint.FOLLOWUP_6M].append(WAI)
    followup_base = start if protocol.followup_anchor == FollowupAnchor.BASELINE else end
    for code in protocol.end_of_treatment:
        plan.append(
            PlannedAdministration(
                code,
                TimePoint.END_OF_TREATMENT,
                end - settings.QUESTIONNAIRE_END_OPENS_DAYS_BEFORE * day,
                end + settings.QUESTIONNAIRE_END_WINDOW_DAYS * day,
            )
        )
    if not has_consent(treatment.client, ConsentKind.FOLLOW_UP):
        return plan  # "stop follow-up contact": no follow-up questionnaires from now on
    for time_point, months in TimePoint.FOLLOWUPS.items():
        opens = add_months(followup_base, months)
        for code in followups[time_point]:
            plan.append(
                PlannedAdministration(
                    code,
                    time_point,
                    opens,
                    opens + settings.QUESTIONNAIRE_FOLLOWUP_WINDOW_DAYS * day,
                )
            )
    return plan


@transaction.atomic
def treatment_administrations_sync(
    *, treatment: Treatment, now: datetime.datetime | None = None
) -> list[Administration]:
    """Create the planned administrations that are missing and move windows that changed.

    Completed and missed rows are never touched. Not-yet-finished rows that left
    the plan (appointment cancelled, treatment withdrawn, protocol changed) are
    cancelled, never deleted. Idempotent; safe against a concurrent run (the
    unique constraint decides). Returns the rows created.
    """
    now = now or timezone.now()
    existing = {
        (a.instrument, a.time_point): a
        for a in Administration.objects.select_for_update()
        .filter(treatment=treatment)
        .exclude(time_point=TimePoint.AD_HOC)
    }
    created: list[Administration] = []
    planned_keys = set()
    for p in administration_plan_for(treatment):
        key = (p.instrument, p.time_point)
        planned_keys.add(key)
        row = existing.get(key)
        if row is None:
            row = Administration(
                treatment=treatment,
                instrument=p.instrument,
                definition_version=scoring_definition(p.instrument).version,
                time_point=p.time_point,
                appointment=p.appointment,
                due_from=p.due_from,
                due_until=p.due_until,
            )
            row.full_clean()
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue  # a concurrent planner made it
            created.append(row)
            continue
        if row.status not in (
            *ACTIVE_STATUSES,
            AdministrationStatus.CANCELLED,
            AdministrationStatus.WAITING_FOR_WORDING,
        ):
            continue
        changed = (
            row.due_from != p.due_from
            or row.due_until != p.due_until
            or row.appointment_id != (p.appointment.pk if p.appointment else None)
        )
        # A closed treatment never brings back what its closing cancelled.
        reopen = row.status == AdministrationStatus.CANCELLED and treatment.is_open
        if row.status == AdministrationStatus.WAITING_FOR_WORDING:
            changed = reopen = False  # held until the wording arrives (administrations_advance)
        if changed or reopen:
            row.due_from, row.due_until, row.appointment = p.due_from, p.due_until, p.appointment
            if reopen or (row.status == AdministrationStatus.OPEN and p.due_from > now):
                row.status, row.cancelled_at = AdministrationStatus.SCHEDULED, None
            row.save()
    for key, row in existing.items():
        if key not in planned_keys and row.status in (
            *ACTIVE_STATUSES,
            AdministrationStatus.WAITING_FOR_WORDING,
        ):
            row.status, row.cancelled_at = AdministrationStatus.CANCELLED, now
            row.save(update_fields=["status", "cancelled_at", "updated_at"])
    return created


def _notify(administration: Administration, *, kind: str, dedupe_key: str, now) -> None:
    # No clinical content and no link in the outbox: the link builder
    # (apps.questionnaires.notify) makes the link at send time.
    outbox.schedule(
        recipient=administration.treatment.client,
        kind=kind,
        due_at=now,
        dedupe_key=dedupe_key,
        object=administration,
    )


def administrations_advance(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open due windows (with an invitation), send due reminders, mark closed ones missed.

    A practitioner's questionnaire (WAI-SF-T) opens and turns missed like any
    other, but no invitation or reminder goes to the client: it is a due item
    on the PWP's caseload and the client's review page.

    Each change is claimed with a conditional update, so two beat ticks or two
    workers do each piece of work once. Returns counts for logging.
    """
    now = now or timezone.now()
    counts = {"opened": 0, "reminded": 0, "missed": 0, "held": 0}
    # Instruments whose licensed wording is missing (WAI-SF-C): their due
    # administrations are held as "waiting for wording", never opened, invited
    # or turned missed; they open when the wording arrives while still due.
    held = [status.code for status in missing_wordings()]
    counts["held"] = Administration.objects.filter(
        status=AdministrationStatus.SCHEDULED, instrument__in=held, due_from__lte=now
    ).update(status=AdministrationStatus.WAITING_FOR_WORDING, updated_at=now)
    Administration.objects.filter(
        status=AdministrationStatus.WAITING_FOR_WORDING, due_until__gt=now
    ).exclude(instrument__in=held).update(status=AdministrationStatus.SCHEDULED, updated_at=now)

    # Missed first, so nothing whose window has closed gets an invitation.
    # An unfinished questionnaire that closes still raises the alert of any stored
    # risk answer (normally raised when saved; this catches anything that was not).
    closing = list(
        Administration.objects.filter(status__in=ACTIVE_STATUSES, due_until__lte=now)
        .select_related("treatment")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        counts["missed"] = Administration.objects.filter(
            pk__in=closing, status__in=ACTIVE_STATUSES, due_until__lte=now
        ).update(status=AdministrationStatus.MISSED, missed_at=now, updated_at=now)
        _raise_stored_risk(closing)

    theirs = practitioner_instruments()
    due_to_open = Administration.objects.filter(
        status=AdministrationStatus.SCHEDULED, due_from__lte=now, due_until__gt=now
    ).values_list("pk", flat=True)
    for pk in list(due_to_open):
        with transaction.atomic():
            claimed = Administration.objects.filter(
                pk=pk, status=AdministrationStatus.SCHEDULED
            ).update(status=AdministrationStatus.OPEN, opened_at=now, updated_at=now)
            if not claimed:
                continue
            counts["opened"] += 1
            administration = Administration.objects.select_related("treatment__client").get(pk=pk)
            if administration.instrument in theirs:
                continue  # the PWP's own: shown as due on their caseload, no message
            _notify(
                administration,
                kind=KIND_INVITATION,
                dedupe_key=f"questionnaire_invitation:{pk}",
                now=now,
            )

    days = list(settings.QUESTIONNAIRE_REMINDER_DAYS)
    if days:
        candidates = (
            Administration.objects.filter(
                status__in=ANSWERABLE_STATUSES, due_until__gt=now, reminders_sent__lt=len(days)
            )
            .exclude(instrument__in=theirs)
            .values_list("pk", "due_from", "reminders_sent")
        )
        for pk, due_from, sent in list(candidates):
            if due_from + datetime.timedelta(days=days[sent]) > now:
                continue
            with transaction.atomic():
                claimed = Administration.objects.filter(
                    pk=pk, reminders_sent=sent, status__in=ANSWERABLE_STATUSES
                ).update(reminders_sent=sent + 1, updated_at=now)
                if not claimed:
                    continue
                administration = Administration.objects.select_related("treatment__client").get(
                    pk=pk
                )
                _notify(
                    administration,
                    kind=KIND_REMINDER,
                    dedupe_key=f"questionnaire_reminder:{pk}:{sent + 1}",
                    now=now,
                )
                counts["reminded"] += 1
    return counts


def treatments_to_plan(now: datetime.datetime):
    """Treatments whose schedule may still change: open, or ended in the last 13 months."""
    horizon = now - datetime.timedelta(days=400)
    return Treatment.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(ended_at__gte=horizon)
    ).select_related("service")


def administrations_plan_all(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The planner: sync every relevant treatment, then advance. Idempotent."""
    now = now or timezone.now()
    created = 0
    for treatment in treatments_to_plan(now).iterator():
        created += len(treatment_administrations_sync(treatment=treatment, now=now))
    counts = administrations_advance(now=now)
    counts["created"] = created
    return counts


# --------------------------------------------------------------------------- answering


def _lock(administration: Administration) -> Administration:
    return (
        Administration.objects.select_for_update()
        .select_related("treatment")
        .get(pk=administration.pk)
    )


@transaction.atomic
def administration_answer(
    *, administration: Administration, item: int, value: int, actor=None, via_link: bool = False
) -> Answer:
    """Save (or change) one answer. Called on every Continue, so leaving and coming back resumes.

    Raises DomainError when the questionnaire is closed or the value is not one
    of the item's options. The first answer records the start time, who
    answered (``answered_by``, when signed in) and, for licensed wording, the
    wording version shown. Callers check who may answer (the client, or for a
    practitioner's questionnaire the treatment's PWP).

    Risk is judged on every save, not only on submit: a risk item (PHQ-9 item 9)
    answered above its threshold raises its risk alert now, in this transaction
    (at most one per administration and source, so completing later adds no
    duplicate). Every save of a risk item is kept in ``AnswerChange`` (who,
    when, old → new): changing 3 to 0 later keeps the record, and the alert.
    """
    now = timezone.now()
    locked = _lock(administration)
    if not locked.is_answerable(now):
        raise DomainError(_("This questionnaire has closed. Your answers were not changed."))
    definition = scoring_definition(locked.instrument)
    try:
        definition_item = definition.item(item)
    except KeyError:
        raise DomainError(_("There is no such question."), field="answer") from None
    if isinstance(value, bool) or value not in definition_item.values:
        raise DomainError(_("Select one of the answers."), field="answer")
    if definition.wording is not None and not wording_status(locked.instrument).ready:
        raise DomainError(_("This questionnaire is not available yet."))
    old_value = answers_of(locked).get(item)
    answer, _created = Answer.objects.update_or_create(
        administration=locked, item=item, defaults={"value": value, "answered_at": now}
    )
    risk_rule = next((r for r in definition.risk_items if r.n == item), None)
    if risk_rule is not None:
        if old_value != value:
            AnswerChange.objects.create(
                administration=locked,
                item=item,
                old_value=old_value,
                new_value=value,
                changed_by=actor if getattr(actor, "is_authenticated", False) else None,
                via_link=via_link,
                changed_at=now,
            )
        if value > risk_rule.flag_above:
            risk_alert_raise_for_answers(
                administration=locked, sources=[f"{definition.code}_item{item}"]
            )
    if locked.status != AdministrationStatus.IN_PROGRESS:
        locked.status = AdministrationStatus.IN_PROGRESS
        locked.started_at = locked.started_at or now
        locked.opened_at = locked.opened_at or now
        if definition.wording is not None and not locked.wording_version:
            wording = wording_status(locked.instrument).wording
            locked.wording_version = wording.version if wording else ""
        if locked.answered_by_id is None and getattr(actor, "is_authenticated", False):
            locked.answered_by = actor
        locked.save()
        administration.status = locked.status
    return answer


def stored_risk_sources(administration: Administration, answers: dict[int, int]) -> list[str]:
    """Alert sources for stored risk answers above their threshold (no scoring needed)."""
    definition = scoring_definition(administration.instrument)
    return [
        f"{definition.code}_item{rule.n}"
        for rule in definition.risk_items
        if rule.n in answers and answers[rule.n] > rule.flag_above
    ]


def _raise_stored_risk(administration_ids) -> int:
    """Raise the alerts of stored risk answers of these administrations (idempotent)."""
    raised = 0
    answered = (
        Administration.objects.filter(pk__in=list(administration_ids), answers__isnull=False)
        .distinct()
        .select_related("treatment__service", "treatment__pwp")
    )
    for administration in answered:
        sources = stored_risk_sources(administration, answers_of(administration))
        if sources:
            raised += len(
                risk_alert_raise_for_answers(administration=administration, sources=sources)
            )
    return raised


def answers_of(administration: Administration) -> dict[int, int]:
    return dict(administration.answers.values_list("item", "value"))


def _store_score(administration: Administration, result: ScoreResult) -> None:
    data = result.to_dict()
    administration.valid = result.valid
    administration.total = result.total
    administration.raw_sum = result.raw_sum
    administration.n_answered = result.n_answered
    administration.prorated = result.prorated
    administration.prorated_exact = result.prorated_exact
    administration.band = result.band.key if result.band else ""
    administration.subscales = data["subscales"]
    administration.risk = data["risk"]
    administration.severe = result.severe


@transaction.atomic
def administration_complete(*, administration: Administration) -> Administration:
    """Score the answers with the engine, store the result and raise any risk alerts.

    All in one transaction: a completed PHQ-9 whose item 9 is above 0 is never
    saved without its alert. Alert emails are queued through the outbox in the
    same transaction and sent after commit. Retires the signed link. Completing
    twice returns the completed row unchanged.

    Raises DomainError when the questionnaire is closed, or a required question
    (PHQ-9 item 9) has no answer (``field`` = ``item_<n>``).
    """
    now = timezone.now()
    locked = _lock(administration)
    if locked.status == AdministrationStatus.COMPLETED:
        return locked
    if not locked.is_answerable(now):
        raise DomainError(_("This questionnaire has closed."))
    definition = scoring_definition(locked.instrument)
    answers = answers_of(locked)
    for item in definition.items:
        if item.required and item.n not in answers:
            raise DomainError(
                _("Answer question %(n)s. Select one of the answers to continue.") % {"n": item.n},
                field=f"item_{item.n}",
            )
    result = score(definition=definition, answers=answers)
    _store_score(locked, result)
    locked.status = AdministrationStatus.COMPLETED
    locked.completed_at = now
    locked.started_at = locked.started_at or now
    locked.link_nonce = ""
    locked.full_clean()
    locked.save()
    risk_alerts_raise(administration=locked, result=result)
    outbox.cancel(kind=KIND_REMINDER, object=locked)
    outbox.cancel(kind=KIND_INVITATION, object=locked)
    log.info(
        "questionnaire_completed",
        administration_id=locked.pk,
        instrument=locked.instrument,
        needs_review=result.needs_clinician_review,
    )
    return locked


def ad_hoc_instruments() -> list[str]:
    """Instruments a PWP may ask for now: PHQ-9, GAD-7, and WAI-SF-C only when the
    service has supplied its licensed wording."""
    codes = ["phq9", "gad7"]
    if wording_status("wai_sf_c").ready:
        codes.append("wai_sf_c")
    return codes


@transaction.atomic
def administration_create_ad_hoc(
    *, treatment: Treatment, instrument: str, days_open: int = 7
) -> Administration:
    """An extra administration outside the protocol (e.g. a PWP asks for a PHQ-9 now).

    Opens at once and invites the client through the same outbox message the
    planner sends when it opens a window (``questionnaire_invitation``).
    Idempotent: while an extra questionnaire of this instrument is unfinished,
    asking again returns it (no second row, no second invitation; the
    ``one_unfinished_ad_hoc_per_instrument`` constraint decides a race).

    Raises DomainError when the treatment has ended or the instrument cannot be
    asked for (unknown, or its licensed wording is missing).
    """
    if instrument not in ad_hoc_instruments():
        raise DomainError(_("Choose one of the questionnaires listed."), field="instrument")
    if not treatment.is_open:
        raise DomainError(_("This client's treatment has ended."))
    now = timezone.now()
    unfinished = Administration.objects.select_for_update().filter(
        treatment=treatment,
        instrument=instrument,
        time_point=TimePoint.AD_HOC,
        status__in=ACTIVE_STATUSES,
    )
    # One whose window has closed is missed (as the planner would mark it), so
    # it neither blocks a new one nor is handed back.
    unfinished.filter(due_until__lte=now).update(
        status=AdministrationStatus.MISSED, missed_at=now, updated_at=now
    )
    existing = unfinished.filter(due_until__gt=now).first()
    if existing is not None:
        return existing
    row = Administration(
        treatment=treatment,
        instrument=instrument,
        definition_version=scoring_definition(instrument).version,
        time_point=TimePoint.AD_HOC,
        due_from=now,
        due_until=now + datetime.timedelta(days=days_open),
        status=AdministrationStatus.OPEN,
        opened_at=now,
    )
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return unfinished.get()  # a concurrent request made it
    _notify(row, kind=KIND_INVITATION, dedupe_key=f"questionnaire_invitation:{row.pk}", now=now)
    log.info("questionnaire_ad_hoc_created", administration_id=row.pk, instrument=instrument)
    return row


# --------------------------------------------------------------------------- ending


@transaction.atomic
def treatment_questionnaires_cancel(
    *,
    treatment: Treatment,
    now: datetime.datetime | None = None,
    only_answerable: bool = False,
) -> int:
    """Cancel every unfinished questionnaire of a treatment, planned or asked for by the PWP.

    For withdrawal: scheduled, open, in-progress and held ones become cancelled,
    their signed links stop working (the nonce is cleared) and their queued
    invitations and reminders are withdrawn. Completed and missed ones are kept.
    Stored risk answers keep their alerts (raised when saved). Returns the number
    cancelled.

    `only_answerable` (a discharge or a dropout): cancel only what the client
    could answer now (open or in progress); scheduled ones, the follow-ups among
    them, stay with the plan.
    """
    now = now or timezone.now()
    statuses = (
        ANSWERABLE_STATUSES
        if only_answerable
        else (*ACTIVE_STATUSES, AdministrationStatus.WAITING_FOR_WORDING)
    )
    rows = list(
        Administration.objects.select_for_update().filter(treatment=treatment, status__in=statuses)
    )
    for row in rows:
        row.status, row.cancelled_at, row.link_nonce = AdministrationStatus.CANCELLED, now, ""
        row.save(update_fields=["status", "cancelled_at", "link_nonce", "updated_at"])
        outbox.cancel(kind=KIND_REMINDER, object=row)
        outbox.cancel(kind=KIND_INVITATION, object=row)
    log.info("questionnaires_cancelled", treatment_id=treatment.pk, count=len(rows))
    return len(rows)


def on_treatment_ended(sender, *, treatment: Treatment, **kwargs) -> None:
    """Receiver of ``apps.care.signals.treatment_ended``: a withdrawn client gets no
    more questionnaires (their follow-ups leave the plan too)."""
    if treatment.status == TreatmentStatus.WITHDRAWN:
        treatment_questionnaires_cancel(treatment=treatment)
