"""A service's settings on one page: time zone (care), crisis resources,
contact promise and escalation wait (safety), questionnaire protocol
(questionnaires), quiet hours (notifications).

The page sits in workspace because it spans those apps. Each model validates
itself (`full_clean`); nothing is saved unless every part is valid. Every
change is in the audit log: Service, ServiceSafetyPolicy, QuestionnaireProtocol
and ServiceQuietHours are registered with django-auditlog, whose middleware
records who made it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.services import time_zone_is_known
from apps.care.models import Service
from apps.care.staff import services_managed_by
from apps.core.errors import DomainError
from apps.notifications.selectors import service_quiet_hours
from apps.notifications.services import service_quiet_hours_set
from apps.questionnaires.models import QuestionnaireProtocol
from apps.safety.models import ServiceSafetyPolicy


def settings_for(service: Service) -> dict:
    """Current values, for the form's initial data."""
    policy = ServiceSafetyPolicy.objects.filter(service=service).first()
    protocol = QuestionnaireProtocol.objects.filter(service=service).first()
    quiet_start, quiet_end = service_quiet_hours(service)
    return {
        "time_zone": service.time_zone,
        "contact_within": policy.contact_within if policy else "",
        "escalation_hours": policy.escalation_hours if policy else None,
        "crisis_resources": policy.crisis_resources if policy else [],
        "protocol_preset": protocol.preset if protocol else "",
        "quiet_hours_start": quiet_start,
        "quiet_hours_end": quiet_end,
        "has_custom_protocol": bool(protocol and not protocol.preset),
    }


@transaction.atomic
def service_settings_save(*, actor: User, service: Service, data: dict) -> list[str]:
    """Save the settings in `data`; return the names of the fields that changed.

    Raises DomainError (with the field) for a value a model refuses; nothing is
    saved then. An empty protocol choice leaves the protocol as it is.
    """
    if not services_managed_by(actor).filter(pk=service.pk).exists():
        raise DomainError(_("You cannot change the settings of this service."))
    changed: list[str] = []
    service = Service.objects.select_for_update().get(pk=service.pk)
    if data["time_zone"] != service.time_zone:
        if not time_zone_is_known(data["time_zone"]):
            raise DomainError(
                _("Enter a time zone we know, for example Europe/London"), field="time_zone"
            )
        service.time_zone = data["time_zone"]
        service.save(update_fields=["time_zone"])
        changed.append("time_zone")

    policy, _created = ServiceSafetyPolicy.objects.get_or_create(service=service)
    for name in ("contact_within", "escalation_hours", "crisis_resources"):
        if getattr(policy, name) != data[name]:
            setattr(policy, name, data[name])
            changed.append(name)
    if any(n in changed for n in ("contact_within", "escalation_hours", "crisis_resources")):
        _full_clean(policy)
        policy.save()

    preset = data.get("protocol_preset") or ""
    if preset:
        protocol = QuestionnaireProtocol.objects.filter(service=service).first()
        if protocol is None or protocol.preset != preset:
            protocol = protocol or QuestionnaireProtocol(service=service)
            protocol.preset = preset
            _full_clean(protocol)
            protocol.save()
            changed.append("protocol_preset")

    if service_quiet_hours_set(
        actor=actor,
        service=service,
        start=data["quiet_hours_start"],
        end=data["quiet_hours_end"],
    ):
        changed.append("quiet_hours")
    return changed


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field if field != "__all__" else None) from None
