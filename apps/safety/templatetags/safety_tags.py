"""`{% risk_alerts_banner %}`: "N open risk alerts" for the signed-in staff member.

Self-contained so any staff page (the caseload) can include it with one line.
"""

from django import template

from apps.safety.selectors import open_alerts_for_user

register = template.Library()


@register.inclusion_tag("safety/_alert_banner.html", takes_context=True)
def risk_alerts_banner(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    count = open_alerts_for_user(user).count() if user is not None else 0
    return {"alert_count": count}
