import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import (
    OPEN_STATUSES,
    Service,
    StaffMembership,
    StaffRole,
    Treatment,
    TreatmentStatus,
    default_planned_end,
)
from apps.core.errors import DomainError


def participant_id_allocate(*, service: Service) -> str:
    """Next pseudonymous participant ID for `service`, e.g. LDN-0007.

    Locks the service row so two enrolments at once never share an ID. Must
    run inside a transaction.
    """
    locked = Service.objects.select_for_update().get(pk=service.pk)
    number = locked.next_participant_number
    locked.next_participant_number = number + 1
    locked.save(update_fields=["next_participant_number"])
    return f"{locked.code}-{number:04d}"


@transaction.atomic
def treatment_enrol(
    *,
    actor: User,
    service: Service,
    pwp: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    start_date: datetime.date | None = None,
    send_invitation: bool = True,
) -> Treatment:
    """Enrol a client by email and (by default) email them an invitation link.

    Reuses the account of a returning client. Raises DomainError when the email
    belongs to staff, the client already has an open treatment, or the PWP does
    not work in the service. The invitation is queued only after commit.
    """
    from apps.accounts.tasks import send_invitation as send_invitation_task

    email = email.strip().lower()
    if not StaffMembership.objects.filter(user=pwp, service=service, role=StaffRole.PWP).exists():
        raise DomainError(_("This practitioner does not work in that service."), field="pwp")
    if (
        not actor.is_superuser
        and not StaffMembership.objects.filter(user=actor, service=service).exists()
    ):
        raise DomainError(_("You can only enrol clients into your own service."), field="service")

    client = User.objects.filter(email__iexact=email).first()
    if client is None:
        client = User.objects.create_user(
            email=email, first_name=first_name.strip(), last_name=last_name.strip(), is_client=True
        )
    elif not client.is_client:
        raise DomainError(
            _("This email address belongs to a staff account. Use the client's own address."),
            field="email",
        )
    elif client.treatments.filter(status__in=OPEN_STATUSES).exists():
        raise DomainError(_("This client already has an open treatment."), field="email")

    start = start_date or timezone.localdate()
    treatment = Treatment(
        client=client,
        pwp=pwp,
        service=service,
        participant_id=participant_id_allocate(service=service),
        start_date=start,
        planned_end_date=default_planned_end(start),
        invited_at=timezone.now(),
    )
    treatment.full_clean()
    try:
        with transaction.atomic():
            treatment.save()
    except IntegrityError:
        # A double-submitted form: the first request already enrolled them.
        raise DomainError(_("This client already has an open treatment."), field="email") from None
    if send_invitation and not client.has_usable_password():
        client_id = client.pk
        transaction.on_commit(lambda: send_invitation_task.delay(client_id))
    elif send_invitation:
        # A returning client keeps their password and starts straight away.
        treatment_activate(treatment=treatment)
    return treatment


@transaction.atomic
def treatment_activate(*, treatment: Treatment) -> Treatment:
    """Mark an invited treatment active (the client has set a password)."""
    if treatment.status == TreatmentStatus.INVITED:
        treatment.status = TreatmentStatus.ACTIVE
        treatment.activated_at = timezone.now()
        treatment.save(update_fields=["status", "activated_at", "updated_at"])
    return treatment


@transaction.atomic
def treatment_end(*, actor: User, treatment: Treatment, status: str) -> Treatment:
    """Close a treatment as completed, withdrawn or dropped out.

    The client keeps their account and their tools after the end.
    """
    if status not in (
        TreatmentStatus.COMPLETED,
        TreatmentStatus.WITHDRAWN,
        TreatmentStatus.DROPPED_OUT,
    ):
        raise DomainError(_("Choose how the treatment ended."), field="status")
    if not treatment.is_open:
        raise DomainError(_("This treatment has already ended."))
    treatment.status = status
    treatment.ended_at = timezone.now()
    treatment.save(update_fields=["status", "ended_at", "updated_at"])
    return treatment
