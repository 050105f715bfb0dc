"""questionnaires' receivers of care signals (connected in QuestionnairesConfig.ready)."""

from apps.care import signals as care_signals
from apps.care.models import OPEN_STATUSES, Treatment, TreatmentStatus
from apps.questionnaires.services import (
    treatment_administrations_sync,
    treatment_questionnaires_cancel,
)


def treatment_closed_or_reopened(sender, *, treatment: Treatment, transition, **kwargs) -> None:
    """A discharge or dropout cancels what the client could answer now, then
    re-plans: the follow-ups stay. A trial withdrawal cancels everything
    unfinished (`on_treatment_ended`, and the plan of a withdrawn treatment is empty)."""
    closing = transition.from_status in OPEN_STATUSES and transition.to_status not in OPEN_STATUSES
    if closing and transition.to_status != TreatmentStatus.WITHDRAWN:
        treatment_questionnaires_cancel(treatment=treatment, only_answerable=True)
    if transition.from_status != transition.to_status:
        treatment_administrations_sync(treatment=treatment)


def connect() -> None:
    care_signals.treatment_status_changed.connect(
        treatment_closed_or_reopened, dispatch_uid="questionnaires.treatment_status_changed"
    )
