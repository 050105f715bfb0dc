"""Send-time context for risk alert emails: a link to the alert, nothing clinical."""

from django.conf import settings
from django.urls import reverse

from apps.notifications.kinds import Kind, NotificationNotNeeded, register_link_builder
from apps.notifications.models import SuppressedReason
from apps.safety.models import RiskAlert, RiskAlertStatus


def alert_link(notification) -> dict:
    alert = RiskAlert.objects.filter(pk=notification.object_id or None).first()
    if alert is None:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)
    if notification.kind == Kind.RISK_ESCALATION and alert.status != RiskAlertStatus.OPEN:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)  # acknowledged meanwhile
    path = reverse("workspace:alert_detail", args=[alert.pk])
    return {"link": settings.SITE_URL.rstrip("/") + path}


def register() -> None:
    register_link_builder(Kind.RISK_ALERT, alert_link)
    register_link_builder(Kind.RISK_ESCALATION, alert_link)
