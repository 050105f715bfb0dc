"""Safety template tags.

`{% risk_alerts_banner %}`: "N open risk alerts" for the signed-in staff member.
Self-contained so any staff page (the caseload) can include it with one line.

`{% entry_alert_notice entry as notice %}`: what the client's page after sending
an exercise shows when sending it raised a risk alert.
"""

from django import template

from apps.safety.models import RiskAlert, RiskAlertStatus
from apps.safety.resources import contact_within_for, crisis_resources_for
from apps.safety.resources import crisis_heading as _crisis_heading
from apps.safety.selectors import open_alerts_for_user

register = template.Library()


@register.inclusion_tag("safety/_alert_banner.html", takes_context=True)
def risk_alerts_banner(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    count = open_alerts_for_user(user).count() if user is not None else 0
    return {"alert_count": count}


@register.simple_tag(takes_context=True)
def entry_alert_notice(context, entry) -> dict | None:
    """`{% entry_alert_notice entry as notice %}` on the client's page after sending.

    While a risk alert raised by this entry is open: {"resources", "contact_within"}
    for safety/_entry_alert_notice.html ("We have let your practitioner know."
    and the care card). Otherwise None, so the page never claims an alert that
    was not raised (a draft, or an alert already acknowledged before a resend).
    """
    if entry is None or not getattr(entry, "pk", None):
        return None
    if not RiskAlert.objects.filter(exercise_entry=entry, status=RiskAlertStatus.OPEN).exists():
        return None
    service = entry.treatment.service
    request = context.get("request")
    return {
        "resources": crisis_resources_for(getattr(request, "user", None), service=service),
        "contact_within": contact_within_for(service),
    }


@register.inclusion_tag("safety/_client_alert_notice.html", takes_context=True)
def client_alert_notice(context) -> dict:
    """`{% client_alert_notice %}` on the client's pages after they send free text.

    While any risk alert about the signed-in client is open (raised by a message,
    a mood or goal note, an exercise or a questionnaire answer), the page shows the
    urgent care card and says their practitioner has been told. One query when no
    alert is open. Staff and anonymous visitors see nothing.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_client:
        return {"notice": None}
    alert = (
        RiskAlert.objects.filter(treatment__client=user, status=RiskAlertStatus.OPEN)
        .select_related("treatment__service")
        .order_by("-raised_at")
        .first()
    )
    if alert is None:
        return {"notice": None}
    service = alert.treatment.service
    return {
        "notice": {
            "resources": crisis_resources_for(user, service=service),
            "contact_within": contact_within_for(service),
        }
    }


@register.inclusion_tag("safety/_client_alert_notice.html", takes_context=True)
def administration_alert_notice(context, administration) -> dict:
    """`{% administration_alert_notice administration %}` on the questionnaire pages.

    While a risk alert about this questionnaire is open (raised when a risk item
    was saved above its threshold, before submitting), the next page shows the
    urgent care card and says the practitioner has been told. Works for a
    signed-link visitor who is not signed in (the service's resources).
    """
    if administration is None or not getattr(administration, "pk", None):
        return {"notice": None}
    if not RiskAlert.objects.filter(
        administration_id=administration.pk, status=RiskAlertStatus.OPEN
    ).exists():
        return {"notice": None}
    request = context.get("request")
    service = administration.treatment.service
    return {
        "notice": {
            "resources": crisis_resources_for(getattr(request, "user", None), service=service),
            "contact_within": contact_within_for(service),
        }
    }


@register.simple_tag
def crisis_heading(resources) -> str:
    """`{% crisis_heading resources as care_title %}`: the care card's heading for
    these resources ("... call 999 or go to A&E", "... call 112")."""
    return _crisis_heading(list(resources or []))
