"""Risk alerts: raise (with the questionnaire or the sent exercise entry), acknowledge
(with a note), escalate.

Clinical rule (shared/clinical/README.md): a risk flag is never lost. It is
shown to the client at once, alerts the PWP and supervisor, and stays open
until a named clinician acknowledges it with a note.
"""

from __future__ import annotations

import datetime

import structlog
from auditlog.context import set_actor
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import StaffRole
from apps.core.errors import DomainError
from apps.notifications.services import notification_schedule
from apps.safety.models import (
    TEXT_SOURCES,
    EscalationStep,
    RiskAlert,
    RiskAlertNotice,
    RiskAlertStatus,
    RiskSource,
    ServiceSafetyPolicy,
)
from apps.safety.screen import ScreenResult, screen_texts

log = structlog.get_logger(__name__)

KIND_ALERT = "risk_alert"
KIND_ESCALATION = "risk_escalation"


def risk_sources_for(result) -> list[str]:
    """Alert sources for a ScoreResult, from the definition-driven risk judgement.

    ``<code>_item<n>`` for a risk item above its threshold, ``<code>_item<n>_unknown``
    when it is missing, ``<code>_severe_total`` for a total at or above the severe
    threshold (PHQ-9: phq9_item9, phq9_item9_unknown, phq9_severe_total).
    """
    sources = []
    for n, risk in result.risk.items():
        if risk.flag is True:
            sources.append(f"{result.code}_item{n}")
        elif risk.flag is None:
            sources.append(f"{result.code}_item{n}_unknown")
    if result.severe:
        sources.append(f"{result.code}_severe_total")
    return sources


def supervisors_of(service) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__service=service,
            memberships__role=StaffRole.SUPERVISOR,
        ).distinct()
    )


def duty_contacts_of(service) -> list[User]:
    """The service's active duty and safety contacts (ServiceSafetyPolicy.duty_contacts)."""
    return list(
        User.objects.filter(is_active=True, duty_for_policies__service=service)
        .distinct()
        .order_by("pk")
    )


def admins() -> list[User]:
    return list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))


def step_recipients(alert: RiskAlert, step: int) -> list[User]:
    """The ACTIVE people of one step of the escalation chain for this alert."""
    service = alert.treatment.service
    if step == EscalationStep.PWP:
        pwp = alert.treatment.pwp
        return [pwp] if pwp is not None and pwp.is_active else []
    if step == EscalationStep.SUPERVISORS:
        return supervisors_of(service)
    if step == EscalationStep.DUTY:
        return duty_contacts_of(service)
    return admins()


def _tell(alert: RiskAlert, users, *, step: int, kind: str, now) -> None:
    """Record who was told at which step and queue their email (sent at once, any hour)."""
    for user in users:
        notice, created = RiskAlertNotice.objects.get_or_create(
            alert=alert, recipient=user, defaults={"step": step, "notified_at": now}
        )
        notification_schedule(
            recipient=user,
            kind=kind,
            due_at=now,
            dedupe_key=f"{kind}:{alert.pk}:{user.pk}",
            object=alert,
            context={},
        )


def _advance(alert: RiskAlert, *, from_step: int, kind: str, now) -> int:
    """Tell the first step from ``from_step`` that has an active person; return that step.

    A step with nobody active is skipped at once, so an alert is never addressed
    only to inactive people; administrators are the last step. Sets the alert's
    ``escalation_step`` and when the next step is due (None after the last).
    """
    step = from_step
    while True:
        people = step_recipients(alert, step)
        if people or step == EscalationStep.ADMINS:
            break
        step += 1
    _tell(alert, people, step=step, kind=kind, now=now)
    alert.escalation_step = step
    alert.next_escalation_at = (
        now + escalation_delay_for(alert.treatment.service)
        if step < EscalationStep.ADMINS
        else None
    )
    RiskAlert.objects.filter(pk=alert.pk).update(
        escalation_step=alert.escalation_step, next_escalation_at=alert.next_escalation_at
    )
    if not people:
        log.error("risk_alert_reaches_nobody", alert_id=alert.pk)
    return step


def _alert_save_and_notify(alert: RiskAlert) -> bool:
    """Save a new alert and tell the first line: the PWP and the service's supervisors.

    The shared path for every alert, whatever raised it. The PWP and every
    active supervisor get a ``risk_alert`` email at once (clinical rule: the
    PWP and supervisor are alerted). When the PWP is inactive the chain moves
    on at once (supervisors, then duty contacts, then admins: ``_advance``);
    otherwise the next step is due after the service's delay. Returns False
    (and tells nobody) when the alert already exists for that object and source.
    Call inside the transaction that saves what triggered the alert.
    """
    kinds = [alert.administration_id, alert.exercise_entry_id, alert.subject_id]
    if sum(k is not None for k in kinds) != 1:
        raise ValueError("A risk alert is about one administration, entry or subject.")
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return False  # already raised for this administration/entry/subject and source
    now = alert.raised_at
    treatment = alert.treatment
    step = _advance(alert, from_step=EscalationStep.PWP, kind=KIND_ALERT, now=now)
    if step == EscalationStep.PWP:
        # Supervisors are copied in at once; the chain's next step is still theirs
        # (a "still not acknowledged" email), then the duty contacts, then admins.
        _tell(alert, supervisors_of(treatment.service), step=step, kind=KIND_ALERT, now=now)
    log.warning(
        "risk_alert_raised",
        alert_id=alert.pk,
        treatment_id=treatment.pk,
        source=alert.source,
        escalation_step=step,
    )
    return True


def risk_alerts_raise(*, administration, result) -> list[RiskAlert]:
    """Raise one alert per risk source of ``result`` and queue emails to the PWP and supervisors.

    Must run inside the transaction that saves the completed administration
    (``administration_complete`` does). Idempotent per (administration, source).
    Emails say only that there is an alert to review, never the answers.
    """
    sources = risk_sources_for(result)
    if not sources:
        return []
    now = timezone.now()
    alerts = []
    for source in sources:
        alert = RiskAlert(
            treatment=administration.treatment,
            administration=administration,
            source=source,
            raised_at=now,
        )
        if _alert_save_and_notify(alert):
            alerts.append(alert)
    return alerts


def risk_alert_raise_for_answers(*, administration, sources) -> list[RiskAlert]:
    """Raise alerts for stored answers of an UNFINISHED (or closing) questionnaire.

    Called by ``apps.questionnaires.services.administration_answer`` when a risk
    item is saved above its threshold, and when an unfinished administration
    closes with such an answer stored. One alert per (administration, source),
    shared with ``risk_alerts_raise`` on completion: never a duplicate.
    """
    now = timezone.now()
    alerts = []
    for source in dict.fromkeys(sources):
        alert = RiskAlert(
            treatment=administration.treatment,
            administration=administration,
            source=source,
            raised_at=now,
        )
        if _alert_save_and_notify(alert):
            alerts.append(alert)
    return alerts


def risk_alert_raise_for_entry(*, entry, reasons) -> list[RiskAlert]:
    """Raise one alert per reason (a ``RiskSource``) for a SENT exercise entry.

    Called by ``apps.programme.services.exercise_submit`` in the transaction
    that saves the sent entry, when the exercise's safety check fired. Drafts
    (autosave, "save and come back later") never raise alerts: the client has
    not sent them, so this refuses an unsent entry. At most one OPEN alert per
    (entry, source): sending again while it is open raises nothing new; sending
    again after it was acknowledged raises a new alert. Emails say only
    that there is an alert to review, never what the client wrote.
    """
    if not entry.is_submitted:
        raise ValueError("Only a sent exercise entry can raise a risk alert.")
    sources = list(dict.fromkeys(reasons))
    for source in sources:
        if source not in RiskSource.values:
            raise ValueError(f"Unknown risk source {source!r}.")
    now = timezone.now()
    alerts = []
    for source in sources:
        alert = RiskAlert(
            treatment=entry.treatment, exercise_entry=entry, source=source, raised_at=now
        )
        if _alert_save_and_notify(alert):
            alerts.append(alert)
    return alerts


def screen_for_service(texts, *, service, language=None) -> ScreenResult:
    """The risk screen with the service's own added phrases (every shipped language
    unless ``language`` is given; English always)."""
    policy = ServiceSafetyPolicy.objects.filter(service=service).only("extra_phrases").first()
    return screen_texts(
        [t for t in texts if t],
        language=language,
        extra_phrases=policy.extra_phrases if policy else "",
    )


def risk_screen_client_text(*, treatment, subject, source: str, texts) -> list[RiskAlert]:
    """Screen text a client sent; when it mentions suicide or self-harm, raise an alert.

    The one path for messages, mood notes, goals and any other free text a
    client sends (exercise entries use ``risk_alert_raise_for_entry``). Call it
    in the transaction that saves ``subject`` (the saved message, mood rating,
    goal...), so the alert and what raised it are saved together. ``treatment``
    None (no open treatment: nobody to alert) screens nothing. At most one OPEN
    alert per (subject, source): saving the same subject again while its alert
    is open raises nothing new; after it was acknowledged, a new save that still
    matches raises a new one. The alert keeps which categories and phrases
    matched, never the client's words; the email says only that there is an
    alert to review. Returns the alerts raised.
    """
    if source not in TEXT_SOURCES:
        raise ValueError(f"{source!r} is not a free-text risk source.")
    if treatment is None or subject.pk is None:
        return []
    result = screen_for_service(list(texts), service=treatment.service)
    if not result.alert:
        return []
    alert = RiskAlert(
        treatment=treatment,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        source=source,
        raised_at=timezone.now(),
        screen_matches=[{"category": m.category, "phrase": m.phrase} for m in result.matches],
    )
    return [alert] if _alert_save_and_notify(alert) else []


def open_text_alert_for(subject) -> RiskAlert | None:
    """The open free-text alert about ``subject`` (for the client's next page), if any."""
    if subject is None or subject.pk is None:
        return None
    return (
        RiskAlert.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            status=RiskAlertStatus.OPEN,
        )
        .order_by("-raised_at")
        .first()
    )


@transaction.atomic
def risk_alert_acknowledge(*, alert: RiskAlert, actor: User, note: str) -> RiskAlert:
    """Close an open alert with the acting staff member's note (audit-logged).

    Raises DomainError if the note is empty or the alert was already acknowledged.
    The caller checks access first (``risk_alert_get_for_user``).
    """
    note = (note or "").strip()
    if not note:
        raise DomainError(
            _("Enter a note saying what you did, for example who contacted the client."),
            field="note",
        )
    locked = RiskAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != RiskAlertStatus.OPEN:
        raise DomainError(_("Someone has already acknowledged this alert."))
    locked.status = RiskAlertStatus.ACKNOWLEDGED
    locked.acknowledged_by = actor
    locked.acknowledged_at = timezone.now()
    locked.acknowledgement_note = note
    locked.full_clean()
    with set_actor(actor):
        locked.save()
    log.info("risk_alert_acknowledged", alert_id=locked.pk, user_id=actor.pk)
    return locked


def escalation_delay_for(service) -> datetime.timedelta:
    """The wait before each next step of the chain (the service's, else RISK_ESCALATION_HOURS)."""
    policy = ServiceSafetyPolicy.objects.filter(service=service).first()
    hours = policy.escalation_hours if policy and policy.escalation_hours else None
    return datetime.timedelta(hours=hours or settings.RISK_ESCALATION_HOURS)


def risk_alerts_escalate(*, now: datetime.datetime | None = None) -> int:
    """Move every open alert whose next step is due one step up the chain.

    The chain: the PWP → the service's supervisors → its duty and safety
    contacts → administrators, each after the service's delay, until someone
    acknowledges. A step with nobody active is skipped at once. Each move is
    claimed by a conditional update (two beats never tell a step twice).
    Returns the number of alerts moved.
    """
    now = now or timezone.now()
    count = 0
    candidates = RiskAlert.objects.filter(
        status=RiskAlertStatus.OPEN, escalation_step__lt=EscalationStep.ADMINS
    ).filter(
        Q(next_escalation_at__lte=now)
        # Alerts saved before the chain existed: due after the delay from raising.
        | Q(next_escalation_at__isnull=True)
    )
    for alert in candidates.select_related("treatment__service", "treatment__pwp"):
        due = alert.next_escalation_at or (
            alert.raised_at + escalation_delay_for(alert.treatment.service)
        )
        if due > now:
            continue
        with transaction.atomic():
            claimed = RiskAlert.objects.filter(
                pk=alert.pk,
                status=RiskAlertStatus.OPEN,
                escalation_step=alert.escalation_step,
                next_escalation_at=alert.next_escalation_at,
            ).update(escalated_at=Coalesce("escalated_at", Value(now)), next_escalation_at=None)
            if not claimed:
                continue
            step = _advance(
                alert, from_step=alert.escalation_step + 1, kind=KIND_ESCALATION, now=now
            )
            count += 1
            log.warning("risk_alert_escalated", alert_id=alert.pk, escalation_step=step)
    return count


def escalation_chain(alert: RiskAlert) -> dict:
    """For the alert page: who was told at which step and when, and who is next.

    ``{"told": [RiskAlertNotice...], "next_step": label or None, "next_people":
    [User...], "next_at": datetime or None}``.
    """
    told = list(alert.notices.select_related("recipient"))
    next_step = next_people = next_at = None
    if alert.is_open and alert.escalation_step < EscalationStep.ADMINS:
        for step in range(alert.escalation_step + 1, EscalationStep.ADMINS + 1):
            people = step_recipients(alert, step)
            if people:
                next_step, next_people = EscalationStep(step).label, people
                break
        next_at = alert.next_escalation_at or (
            alert.raised_at + escalation_delay_for(alert.treatment.service)
        )
    return {"told": told, "next_step": next_step, "next_people": next_people, "next_at": next_at}


def open_alerts_follow_transfer(sender, *, treatment, transition, **kwargs) -> None:
    """Receiver of `care.signals.treatment_status_changed`: after a transfer the new
    practitioner is told of every open alert of the client at once (the alerts follow
    the treatment, so they are now theirs to acknowledge)."""
    if transition.kind != "transfer" or not treatment.pwp.is_active:
        return
    now = timezone.now()
    for alert in RiskAlert.objects.filter(treatment=treatment, status=RiskAlertStatus.OPEN):
        _tell(alert, [treatment.pwp], step=EscalationStep.PWP, kind=KIND_ALERT, now=now)
