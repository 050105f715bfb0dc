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
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import StaffRole
from apps.core.errors import DomainError
from apps.notifications.services import notification_schedule
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource, ServiceSafetyPolicy

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


def _alert_save_and_notify(alert: RiskAlert) -> bool:
    """Save a new alert and queue the risk_alert email to the PWP and supervisors.

    The shared path for every alert, whatever raised it. Returns False (and
    queues nothing) when the alert already exists for that object and source.
    Call inside the transaction that saves what triggered the alert.
    """
    if (alert.administration_id is None) == (alert.exercise_entry_id is None):
        raise ValueError("A risk alert is about one administration or one exercise entry.")
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return False  # already raised for this administration/entry and source
    treatment = alert.treatment
    recipients = {treatment.pwp_id: treatment.pwp}
    for supervisor in supervisors_of(treatment.service):
        recipients.setdefault(supervisor.pk, supervisor)
    for user in recipients.values():
        notification_schedule(
            recipient=user,
            kind=KIND_ALERT,
            due_at=alert.raised_at,
            dedupe_key=f"risk_alert:{alert.pk}:{user.pk}",
            object=alert,
            context={},
        )
    log.warning(
        "risk_alert_raised",
        alert_id=alert.pk,
        treatment_id=treatment.pk,
        source=alert.source,
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
    policy = ServiceSafetyPolicy.objects.filter(service=service).first()
    hours = policy.escalation_hours if policy and policy.escalation_hours else None
    return datetime.timedelta(hours=hours or settings.RISK_ESCALATION_HOURS)


def risk_alerts_escalate(*, now: datetime.datetime | None = None) -> int:
    """Escalate open alerts left unacknowledged past the service's delay to its supervisors.

    Each alert escalates once (claimed by a conditional update of
    ``escalated_at``). A service without a supervisor escalates to the admins,
    so the alert always reaches someone. Returns the number escalated.
    """
    now = now or timezone.now()
    count = 0
    candidates = RiskAlert.objects.filter(
        status=RiskAlertStatus.OPEN, escalated_at__isnull=True
    ).select_related("treatment__service")
    delays: dict[int, datetime.timedelta] = {}
    for alert in candidates:
        service = alert.treatment.service
        if service.pk not in delays:
            delays[service.pk] = escalation_delay_for(service)
        if alert.raised_at + delays[service.pk] > now:
            continue
        with transaction.atomic():
            claimed = RiskAlert.objects.filter(
                pk=alert.pk, status=RiskAlertStatus.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            recipients = supervisors_of(service) or list(
                User.objects.filter(is_superuser=True, is_active=True)
            )
            for user in recipients:
                notification_schedule(
                    recipient=user,
                    kind=KIND_ESCALATION,
                    due_at=now,
                    dedupe_key=f"risk_escalation:{alert.pk}:{user.pk}",
                    object=alert,
                    context={},
                )
            count += 1
            log.warning("risk_alert_escalated", alert_id=alert.pk)
    return count
