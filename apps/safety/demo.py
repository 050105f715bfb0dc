"""Demo safety data: one open item-9 alert for the week-5 client. Idempotent."""

from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.questionnaires.scoring import score
from apps.safety.models import RiskAlert
from apps.safety.services import risk_sources_for


def populate(context: dict) -> None:
    treatment = context["treatments"].get("week5")
    if treatment is None:
        return
    administration = (
        Administration.objects.filter(
            treatment=treatment, instrument="phq9", status=AdministrationStatus.COMPLETED
        )
        .order_by("-completed_at")
        .first()
    )
    if administration is None:
        return
    answers = dict(administration.answers.values_list("item", "value"))
    result = score(definition=scoring_definition("phq9"), answers=answers)
    for source in risk_sources_for(result):
        RiskAlert.objects.get_or_create(
            administration=administration,
            source=source,
            defaults={"treatment": treatment, "raised_at": administration.completed_at},
        )
