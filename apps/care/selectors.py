from django.db.models import QuerySet

from apps.accounts.models import User
from apps.care.access import supervised_service_ids, treatments_visible_to
from apps.care.models import Service, Treatment


def caseload_for(*, pwp: User) -> QuerySet[Treatment]:
    """The PWP's own clients, open treatments first."""
    return (
        treatments_visible_to(pwp, write=False)
        .filter(pwp=pwp)
        .select_related("client", "service")
        .order_by("status", "start_date")
    )


def services_supervised_by(*, user: User) -> QuerySet[Service]:
    if user.is_superuser:
        return Service.objects.all()
    return Service.objects.filter(pk__in=supervised_service_ids(user))


def service_treatments(*, user: User) -> QuerySet[Treatment]:
    """Every treatment in the services `user` supervises, grouped by PWP."""
    return (
        treatments_visible_to(user, write=False)
        .filter(service__in=services_supervised_by(user=user))
        .select_related("client", "pwp", "service")
        .order_by("service__name", "pwp__last_name", "pwp__first_name", "status", "start_date")
    )
