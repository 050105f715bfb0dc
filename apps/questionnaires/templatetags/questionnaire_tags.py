from django import template

from apps.questionnaires.catalogue import missing_wordings

register = template.Library()


@register.inclusion_tag("questionnaires/_wording_warning.html")
def questionnaire_wording_warning() -> dict:
    """Admin banner while licensed questionnaire wording is missing or broken."""
    return {"missing": missing_wordings()}
