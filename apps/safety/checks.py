"""System check: every service has someone between the PWP and the administrators.

Runs with the database checks (``manage.py check --database default``, and
before ``migrate``): it reads services, memberships and safety policies.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from apps.accounts.models import User
from apps.care.models import Service, StaffRole


@register(Tags.database)
def check_alert_reach(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    try:
        services = list(Service.objects.order_by("code"))
        covered = set(
            User.objects.filter(is_active=True, memberships__role=StaffRole.SUPERVISOR).values_list(
                "memberships__service_id", flat=True
            )
        ) | set(
            User.objects.filter(is_active=True, duty_for_policies__isnull=False).values_list(
                "duty_for_policies__service_id", flat=True
            )
        )
    except DatabaseError:  # tables not migrated yet
        return []
    return [
        Warning(
            f"Service {service.code} has no active supervisor and no active duty or safety "
            "contact: a risk alert its practitioner cannot take goes straight to the "
            "administrators.",
            hint="Add a supervisor membership, or duty contacts on the service's safety "
            "policy (admin site, Service safety policies).",
            obj=service,
            id="safety.W001",
        )
        for service in services
        if service.pk not in covered
    ]
