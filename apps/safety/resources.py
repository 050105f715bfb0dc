"""Crisis resources shown to clients, and what the crisis page promises.

Defaults per region: the UK list from the clinical reference and the
Netherlands list (112, 113 Zelfmoordpreventie). A service may set its region
or replace the lists, per language, with a ServiceSafetyPolicy (admin). The
clinical safety lead must confirm the numbers and the contact promise before
go-live (docs/safety.md).
"""

from django.conf import settings
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from apps.care.access import client_current_treatment
from apps.safety.models import ServiceSafetyPolicy

# Defaults per region (the country a service works in). Texts are lazy, so
# they show in the reader's language; numbers belong to the region. The first
# resource carries the care card's heading (what to do in an emergency).
UK_CRISIS_RESOURCES = [
    {
        "name": _("999 or A&E"),
        "detail": _("If you are in danger now or have harmed yourself, call 999 or go to A&E."),
        "phone": "999",
        "heading": _("If you might harm yourself or you are in danger now, call 999 or go to A&E"),
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

# The Netherlands: 112 for emergencies; 113 Zelfmoordpreventie (113.nl), free
# on 0800-0113 or on 113 at the normal rate, day and night; the GP, and the
# out-of-hours GP service. NEEDS CLINICAL SIGN-OFF like the UK list.
NL_CRISIS_RESOURCES = [
    {
        "name": _("112"),
        "detail": _("If you are in danger now or have harmed yourself, call 112."),
        "phone": "112",
        "heading": _("If you might harm yourself or you are in danger now, call 112"),
    },
    {
        "name": _("113 Suicide Prevention"),
        "detail": _(
            "If you think about suicide, talk to 113 any time, day or night. "
            "Call 0800-0113 for free, or 113. You can also chat at 113.nl."
        ),
        "phone": "08000113",
        "phone_display": "0800-0113",
    },
    {
        "name": _("Your GP or the out-of-hours GP service"),
        "detail": _(
            "Ask for an urgent appointment. In the evening, at night and at the "
            "weekend, call the out-of-hours GP service (huisartsenpost)."
        ),
    },
]

CRISIS_RESOURCES_BY_REGION = {"gb": UK_CRISIS_RESOURCES, "nl": NL_CRISIS_RESOURCES}
# With no region set for the service, the reader's language picks the list.
REGION_FOR_LANGUAGE = {"en": "gb", "nl": "nl"}
DEFAULT_REGION = "gb"
# Kept for callers and tests that name the UK list.
DEFAULT_CRISIS_RESOURCES = UK_CRISIS_RESOURCES


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


def crisis_resources_for(user, *, service=None, language: str | None = None) -> list[dict]:
    """The crisis resources to show ``user``, in ``language`` (default: the active one).

    In order: the service's own list for that language; the service's own list;
    the defaults of the service's region; the defaults of the region that goes
    with the language (Dutch: the Netherlands), else the UK. ``service``
    overrides the lookup (e.g. a signed-link visitor who is not signed in).
    """
    language = language or get_language() or settings.LANGUAGE_CODE
    policy = _policy(service or service_for(user))
    if policy is not None:
        translated = (policy.crisis_resources_translated or {}).get(language)
        if translated:
            return [dict(r) for r in translated]
        if policy.crisis_resources:
            return [dict(r) for r in policy.crisis_resources]
    region = (policy.region if policy is not None else "") or REGION_FOR_LANGUAGE.get(
        language.split("-")[0], DEFAULT_REGION
    )
    return [dict(r) for r in CRISIS_RESOURCES_BY_REGION.get(region, UK_CRISIS_RESOURCES)]


def crisis_heading(resources: list[dict]) -> str:
    """The care card's heading: what to do in an emergency, for these resources."""
    for resource in resources:
        if resource.get("heading"):
            return str(resource["heading"])
    return str(_("If you might harm yourself or you are in danger now, use one of these contacts"))


# The default promise, listed so that makemessages puts it in the catalogues;
# a service's own wording is translated when the catalogue has it.
_KNOWN_CONTACT_PROMISES = (_("1 working day"), _("2 working days"), _("24 hours"))


def contact_within_for(service) -> str:
    """How soon the service promises contact after an alert, in the reader's
    language when the catalogue has the wording. Needs clinical sign-off."""
    policy = _policy(service)
    if policy is not None and policy.contact_within:
        return gettext(policy.contact_within)
    return gettext(settings.RISK_CONTACT_WITHIN)
