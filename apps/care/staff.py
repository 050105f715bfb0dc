"""Staff of a service, managed without the Django admin.

Who may manage whom:
- an administrator (superuser): the staff of every service, and trial managers;
- a supervisor: the staff of the services they supervise (PWPs and
  supervisors), never administrators and never someone who also works in a
  service they do not supervise;
- everyone else (a PWP, a trial manager): nobody.

Invitations reuse the client invitation: a new person gets the emailed
single-use link to set a password (`apps.accounts.tasks.send_invitation`),
then sets up two-step verification. Deactivating someone ends every signed-in
session of theirs at once (their rows are deleted from the session store).
"""

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.tasks import send_invitation as send_invitation_task
from apps.care.models import OPEN_STATUSES, Service, StaffMembership, StaffRole
from apps.core.errors import DomainError

TRIAL_MANAGER = "trial_manager"
INVITABLE_ROLES = [
    (StaffRole.PWP, gettext_lazy("Practitioner (PWP)")),
    (StaffRole.SUPERVISOR, gettext_lazy("Supervisor")),
    (TRIAL_MANAGER, gettext_lazy("Trial manager")),
]


def services_managed_by(user: User) -> QuerySet[Service]:
    """The services whose staff `user` may manage (none for most people)."""
    if not user.is_authenticated or not user.is_active:
        return Service.objects.none()
    if user.is_superuser:
        return Service.objects.filter(is_active=True)
    if user.is_supervisor:
        return Service.objects.filter(
            is_active=True,
            memberships__user=user,
            memberships__role=StaffRole.SUPERVISOR,
        ).distinct()
    return Service.objects.none()


def service_get_for_manager(*, user: User, service_id: int) -> Service:
    """The service if `user` may manage its staff, else 404 (says nothing about others)."""
    try:
        return services_managed_by(user).get(pk=service_id)
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404("No such service.") from None


def service_staff(*, service: Service) -> list[dict]:
    """Everyone with a place in `service`: one row per person, in name order.

    Each row: ``user``, ``roles`` (role values held here), ``open_clients``
    (their open treatments in this service). Two queries whatever the size.
    """
    memberships = (
        StaffMembership.objects.filter(service=service)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email", "role")
    )
    rows: dict[int, dict] = {}
    for membership in memberships:
        row = rows.setdefault(
            membership.user_id, {"user": membership.user, "roles": [], "open_clients": 0}
        )
        row["roles"].append(membership.role)
    counts = (
        User.objects.filter(pk__in=rows.keys())
        .annotate(
            open_clients=Count(
                "caseload",
                filter=Q(caseload__service=service, caseload__status__in=OPEN_STATUSES),
            )
        )
        .values_list("pk", "open_clients")
    )
    for pk, n in counts:
        rows[pk]["open_clients"] = n
    return list(rows.values())


def staff_member_get(*, service: Service, user_id: int) -> User:
    """A person with a place in `service`, else 404."""
    user = User.objects.filter(pk=user_id, memberships__service=service).distinct().first()
    if user is None:
        raise Http404("No such staff member.")
    return user


def trial_managers() -> QuerySet[User]:
    return User.objects.filter(is_trial_manager=True).order_by("email")


def _check_may_manage(*, actor: User, service: Service, person: User | None = None) -> None:
    if not services_managed_by(actor).filter(pk=service.pk).exists():
        raise DomainError(_("You cannot manage the staff of this service."))
    if person is None or actor.is_superuser:
        return
    if person.is_superuser:
        raise DomainError(_("Only an administrator can change an administrator's account."))
    elsewhere = (
        StaffMembership.objects.filter(user=person)
        .exclude(service__in=services_managed_by(actor))
        .exists()
    )
    if elsewhere:
        raise DomainError(
            _(
                "This person also works in a service you do not supervise. "
                "Ask an administrator to change their account."
            )
        )


def _sync_role_flags(user: User) -> None:
    """The PWP and supervisor flags follow the person's memberships."""
    held = set(StaffMembership.objects.filter(user=user).values_list("role", flat=True))
    user.is_pwp = StaffRole.PWP in held
    user.is_supervisor = StaffRole.SUPERVISOR in held
    user.save(update_fields=["is_pwp", "is_supervisor"])


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    service: Service,
    email: str,
    first_name: str,
    last_name: str = "",
    role: str,
) -> User:
    """Give a person a role in `service`, inviting them by email when they are new.

    A new person gets an account without a password and the emailed one-time
    link. A person who already works here (or elsewhere) keeps their account
    and gains the role. A trial manager is not tied to a service and only an
    administrator can invite one. Raises DomainError for a client's email,
    a closed account or a role the actor may not give.
    """
    _check_may_manage(actor=actor, service=service)
    if role not in dict(INVITABLE_ROLES):
        raise DomainError(_("Choose a role"), field="role")
    if role == TRIAL_MANAGER and not actor.is_superuser:
        raise DomainError(_("Only an administrator can invite a trial manager."), field="role")
    email = User.objects.normalize_email(email).lower()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None and (user.is_client or not user.is_active):
        # One answer for both: it never says which.
        raise DomainError(
            _("We cannot invite this email address. Ask an administrator for help."),
            field="email",
        )
    if user is not None and not actor.is_superuser:
        _check_may_manage(actor=actor, service=service, person=user)
    created = user is None
    if created:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    if role == TRIAL_MANAGER:
        if user.is_trial_manager:
            raise DomainError(_("This person is already a trial manager."), field="email")
        user.is_trial_manager = True
        user.save(update_fields=["is_trial_manager"])
    else:
        _membership, added = StaffMembership.objects.get_or_create(
            user=user, service=service, role=role
        )
        if not added:
            raise DomainError(_("This person already has that role here."), field="email")
        _sync_role_flags(user)
    if not user.has_usable_password():
        user_id = user.pk
        transaction.on_commit(lambda: send_invitation_task.delay(user_id))
    return user


@transaction.atomic
def staff_roles_set(*, actor: User, service: Service, user: User, roles: list[str]) -> User:
    """Set the roles `user` holds in `service` (PWP, supervisor; at least one).

    Taking the PWP role away from someone who still holds open clients here is
    refused: their clients are handed over first.
    """
    _check_may_manage(actor=actor, service=service, person=user)
    wanted = {r for r in roles if r in (StaffRole.PWP, StaffRole.SUPERVISOR)}
    if not wanted:
        raise DomainError(
            _("Choose at least one role. To remove someone, deactivate them."), field="roles"
        )
    if user.pk == actor.pk and StaffRole.SUPERVISOR not in wanted and not actor.is_superuser:
        raise DomainError(_("You cannot remove your own supervisor role."), field="roles")
    held = set(
        StaffMembership.objects.filter(user=user, service=service).values_list("role", flat=True)
    )
    if StaffRole.PWP in held - wanted:
        open_clients = user.caseload.filter(service=service, status__in=OPEN_STATUSES).count()
        if open_clients:
            raise DomainError(
                _(
                    "%(name)s still has %(n)d open clients here. "
                    "Hand their clients over before removing the practitioner role."
                )
                % {"name": user.get_full_name(), "n": open_clients},
                field="roles",
            )
    StaffMembership.objects.filter(user=user, service=service, role__in=held - wanted).delete()
    for role in wanted - held:
        StaffMembership.objects.create(user=user, service=service, role=role)
    _sync_role_flags(user)
    return user


def sessions_end(*, user: User) -> int:
    """Delete every unexpired session of `user` from the session store; return how many."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


@transaction.atomic
def staff_deactivate(*, actor: User, service: Service, user: User) -> int:
    """Close `user`'s account: they cannot sign in, and every session ends now.

    Their clients, notes and history stay. Returns the number of sessions ended.
    """
    _check_may_manage(actor=actor, service=service, person=user)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate your own account."))
    if not user.is_active:
        raise DomainError(_("This account is already deactivated."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    return sessions_end(user=user)


@transaction.atomic
def staff_reactivate(*, actor: User, service: Service, user: User) -> User:
    """Open a deactivated account again; they sign in with their old password."""
    _check_may_manage(actor=actor, service=service, person=user)
    if user.is_active:
        raise DomainError(_("This account is already active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user
