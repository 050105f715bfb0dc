"""questionnaires' receivers of care signals (connected in QuestionnairesConfig.ready)."""

from apps.care import signals as care_signals
from apps.care.models import OPEN_STATUSES, Treatment
from apps.questionnaires.services import (
    treatment_administrations_sync,
    treatment_open_administrations_cancel,
)


def treatment_closed_or_reopened(sender, *, treatment: Treatment, transition, **kwargs) -> None:
    """A closing step cancels what the client could answer now, then re-plans:
    follow-ups stay after a discharge or dropout, nothing stays after a trial
    withdrawal (the plan of a withdrawn treatment is empty)."""
    if transition.from_status in OPEN_STATUSES and transition.to_status not in OPEN_STATUSES:
        treatment_open_administrations_cancel(treatment=treatment)
    if transition.from_status != transition.to_status:
        treatment_administrations_sync(treatment=treatment)


def connect() -> None:
    care_signals.treatment_status_changed.connect(
        treatment_closed_or_reopened, dispatch_uid="questionnaires.treatment_status_changed"
    )
