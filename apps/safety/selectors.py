"""Reads for risk alerts. Every list is scoped through apps.care.access."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.care.access import treatments_visible_to
from apps.safety.models import RiskAlert, RiskAlertNotice, RiskAlertStatus


def _staff_only(user: User) -> bool:
    return user.is_authenticated and (user.is_pwp or user.is_supervisor or user.is_superuser)


def alerts_visible_to(user: User) -> QuerySet[RiskAlert]:
    """Alerts on treatments the staff member may see (PWP: caseload; supervisor: service).

    Whoever may see an alert may also acknowledge it: a risk alert is the one
    thing a supervisor acts on in another practitioner's record, because it
    escalates to them when it waits. A duty or safety contact the escalation
    chain told about an alert may see and acknowledge that alert too. Clients
    and research-only users get nothing.
    """
    if not _staff_only(user):
        return RiskAlert.objects.none()
    told = RiskAlertNotice.objects.filter(recipient=user).values("alert_id")
    return RiskAlert.objects.filter(
        Q(treatment__in=treatments_visible_to(user, write=False)) | Q(pk__in=told)
    ).select_related(
        "treatment__client",
        "treatment__pwp",
        "treatment__service",
        "administration",
        "exercise_entry",
        "acknowledged_by",
    )


def open_alerts_for_user(user: User) -> QuerySet[RiskAlert]:
    return alerts_visible_to(user).filter(status=RiskAlertStatus.OPEN).order_by("raised_at")


def risk_alert_get_for_user(*, user: User, alert_id: int) -> RiskAlert:
    """The alert if ``user`` may see (and so acknowledge) it, else 404."""
    try:
        return alerts_visible_to(user).get(pk=alert_id)
    except (RiskAlert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert.") from None


def open_alerts_for_treatments(treatment_ids: Iterable[int]) -> QuerySet[RiskAlert]:
    """Open alerts on these treatments, oldest first, in one query.

    The caller has already scoped ``treatment_ids`` to what the user may see
    (e.g. the caseload).
    """
    return (
        RiskAlert.objects.filter(treatment_id__in=list(treatment_ids), status=RiskAlertStatus.OPEN)
        .select_related("administration", "exercise_entry")
        .order_by("raised_at")
    )
