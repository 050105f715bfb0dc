"""Crisis resources shown to clients, and what the crisis page promises.

UK defaults from the clinical reference. A service may replace them with a
ServiceSafetyPolicy (admin). The clinical safety lead must confirm the numbers
and the contact promise before go-live (docs/safety.md).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.care.access import client_current_treatment
from apps.safety.models import ServiceSafetyPolicy

DEFAULT_CRISIS_RESOURCES = [
    {
        "name": _("999 or A&E"),
        "detail": _("If you are in danger now or have harmed yourself, call 999 or go to A&E."),
        "phone": "999",
    },
    {
        "name": _("NHS 111, option 2"),
        "detail": _("For urgent mental health help, call 111 and choose option 2."),
        "phone": "111",
    },
    {
        "name": _("Samaritans"),
        "detail": _("Free, any time, day or night: 116 123."),
        "phone": "116123",
        "phone_display": "116 123",
    },
    {
        "name": _("Shout"),
        "detail": _("Text SHOUT to 85258 to talk by text, any time."),
        "text": "85258",
    },
    {
        "name": _("Your GP"),
        "detail": _("Ask for an urgent appointment."),
    },
]


def service_for(user):
    """The service whose settings apply: a client's treatment's, else a staff member's first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_client:
        treatment = client_current_treatment(user)
        return treatment.service if treatment else None
    membership = user.memberships.select_related("service").first()
    return membership.service if membership else None


def _policy(service):
    if service is None:
        return None

    return ServiceSafetyPolicy.objects.filter(service=service).first()


def crisis_resources_for(user, *, service=None) -> list[dict]:
    """The crisis resources to show ``user``: their service's when configured, else UK defaults.

    ``service`` overrides the lookup (e.g. a signed-link visitor who is not signed in).
    """
    policy = _policy(service or service_for(user))
    if policy is not None and policy.crisis_resources:
        return [dict(r) for r in policy.crisis_resources]
    return list(DEFAULT_CRISIS_RESOURCES)


def contact_within_for(service) -> str:
    """How soon the service promises contact after an alert. Needs clinical sign-off."""
    policy = _policy(service)
    if policy is not None and policy.contact_within:
        return policy.contact_within
    return settings.RISK_CONTACT_WITHIN
