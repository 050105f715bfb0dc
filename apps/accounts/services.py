from django.db import transaction
from django.utils import timezone

from apps.accounts.models import LoginEvent, User


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> None:
    """Set the invited user's password and start their treatment.

    Setting the password invalidates the invitation token (one-time link).
    """
    from apps.care.services import treatment_activate

    user.set_password(password)
    user.save(update_fields=["password"])
    for treatment in user.treatments.filter(status="invited"):
        treatment_activate(treatment=treatment)


def login_event_record(*, user: User) -> LoginEvent:
    """Record a successful sign-in for adherence analysis."""
    return LoginEvent.objects.create(user=user, at=timezone.now())
