"""The one place that answers "may this user see or change this client's data?".

Every view and API endpoint that reaches a client's data goes through
`treatment_get_for_user` (one object) or `treatments_visible_to` (lists). The
`write` flag has no default so every caller states the privilege it needs.

Reading (`write=False`):
- client: their own treatments only;
- PWP: treatments on their caseload;
- supervisor: treatments in the services they supervise;
- trial manager: no identifiable access at all (research data comes through the
  pseudonymised selectors in `apps.trials`);
- admin (superuser): everything.

Acting in the record (`write=True`: unlocking modules, setting tasks,
scheduling sessions, feedback, notes, the client's own entries):
- client: their own treatments;
- PWP: their own caseload only (the client knows who works with them);
- supervisor: nothing beyond their own caseload as a PWP; they oversee, and
  do not act in another practitioner's record;
- admin (superuser): everything.

Two duties are deliberately wider and live with their own data: a risk alert
may be acknowledged by anyone who can read it (`apps.safety.selectors`), and
a message thread is written only by its two people (`apps.messaging`).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

# Re-exported: views across the apps import the role check from here.
from apps.accounts.decorators import has_role, role_required  # noqa: F401
from apps.accounts.models import Role, User
from apps.care.models import StaffMembership, StaffRole, Treatment


def supervised_service_ids(user: User) -> QuerySet:
    return StaffMembership.objects.filter(user=user, role=StaffRole.SUPERVISOR).values("service_id")


def treatments_visible_to(user: User, *, write: bool) -> QuerySet[Treatment]:
    """Treatments whose identifiable data `user` may see (or change, if `write`).

    Returns an empty queryset for anonymous, inactive and research-only users.
    """
    if not user.is_authenticated or not user.is_active:
        return Treatment.objects.none()
    if user.is_superuser:
        return Treatment.objects.all()
    q = Q(pk__in=[])
    if user.is_client:
        q |= Q(client=user)
    if user.is_pwp:
        q |= Q(pwp=user)
    if user.is_supervisor and not write:
        q |= Q(service_id__in=supervised_service_ids(user))
    return Treatment.objects.filter(q)


def treatment_get_for_user(*, user: User, treatment_id: int, write: bool) -> Treatment:
    """The treatment `treatment_id` if `user` may see it (or change it), else 404.

    404 rather than 403 so that a guessed ID reveals nothing about whether it
    exists.
    """
    try:
        return (
            treatments_visible_to(user, write=write)
            .select_related("client", "pwp", "service")
            .get(pk=treatment_id)
        )
    except (Treatment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such treatment.") from None


def treatment_may_act(*, user: User, treatment: Treatment) -> bool:
    """Whether `user` may act in `treatment` (the `write=True` rule, for one
    treatment already fetched for reading): decides which buttons a page shows.
    The write views still fetch with `write=True`."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_superuser
        or (user.is_client and treatment.client_id == user.pk)
        or (user.is_pwp and treatment.pwp_id == user.pk)
    )


def treatment_get_for_lifecycle(*, user: User, treatment_id: int) -> Treatment:
    """The treatment if `user` may move it through its lifecycle (discharge, dropout,
    trial withdrawal, transfer, re-open), else 404.

    Wider than `write=True` on purpose: the client's own PWP, a supervisor of the
    client's service (who takes decisions when the PWP is away or leaves), or an
    admin. Never the client or a trial manager.
    """
    treatment = treatment_get_for_user(user=user, treatment_id=treatment_id, write=False)
    if user.is_superuser or (user.is_pwp and treatment.pwp_id == user.pk):
        return treatment
    if (
        user.is_supervisor
        and supervised_service_ids(user).filter(service_id=treatment.service_id).exists()
    ):
        return treatment
    raise Http404("No such treatment.")


def handover_service_ids(user: User) -> QuerySet | None:
    """Services whose caseloads `user` may hand over: None means every service (admin)."""
    if user.is_superuser:
        return None
    return supervised_service_ids(user)


def pwp_get_for_handover(*, user: User, pwp_id: int) -> User:
    """A practitioner whose open clients `user` may reassign, else 404: an admin, or a
    supervisor of a service the practitioner works in. The practitioner may be
    deactivated already (that is when a handover is most needed)."""
    services = handover_service_ids(user)
    memberships = StaffMembership.objects.filter(role=StaffRole.PWP)
    if services is not None:
        if not user.is_supervisor:
            raise Http404("No such practitioner.")
        memberships = memberships.filter(service_id__in=services)
    try:
        return User.objects.filter(pk__in=memberships.values("user_id")).get(pk=pwp_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such practitioner.") from None


def treatments_for_handover(*, user: User, pwp: User) -> QuerySet[Treatment]:
    """The practitioner's open treatments in the services `user` may hand over."""
    qs = Treatment.objects.filter(pwp=pwp, status__in=["invited", "active"])
    services = handover_service_ids(user)
    if services is not None:
        qs = qs.filter(service_id__in=services)
    return qs


def client_current_treatment(user: User) -> Treatment | None:
    """The client's open treatment, else their most recent one, else None."""
    if not user.is_authenticated or not user.is_client:
        return None
    treatments = Treatment.objects.filter(client=user).select_related(
        "pwp__practitioner_profile", "service"
    )
    return (
        treatments.filter(status__in=["invited", "active"]).first()
        or treatments.order_by("-start_date", "-pk").first()
    )


STAFF_ROLES = (Role.PWP, Role.SUPERVISOR, Role.ADMIN)
RESEARCH_ROLES = (Role.TRIAL_MANAGER, Role.ADMIN)
