"""care's receivers of signals sent by apps below it (connected in CareConfig.ready)."""

from apps.accounts.models import User
from apps.care.models import TreatmentStatus
from apps.care.services import treatment_activate


def start_invited_treatments(sender, *, user: User, **kwargs) -> None:
    """The invited client set their password: their invited treatment starts."""
    for treatment in user.treatments.filter(status=TreatmentStatus.INVITED):
        treatment_activate(treatment=treatment)
