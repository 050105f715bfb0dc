from django import template

from apps.questionnaires.catalogue import missing_wordings
from apps.questionnaires.models import Administration, AdministrationStatus

register = template.Library()


@register.inclusion_tag("questionnaires/_wording_warning.html")
def questionnaire_wording_warning() -> dict:
    """Admin banner while licensed questionnaire wording is missing or broken, with how
    many due questionnaires are held as "waiting for wording" (never turned missed)."""
    missing = missing_wordings()
    held = 0
    if missing:
        held = Administration.objects.filter(
            status=AdministrationStatus.WAITING_FOR_WORDING
        ).count()
    return {"missing": missing, "held": held}
