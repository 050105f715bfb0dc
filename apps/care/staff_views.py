"""Service leads manage their staff: invite, change roles, deactivate.

Rules live in `apps.care.staff`; a service outside the person's reach is a 404.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.care import staff
from apps.care.access import role_required
from apps.care.forms import StaffInviteForm, StaffRolesForm
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error

LEAD_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@require_GET
@role_required(*LEAD_ROLES)
def staff_services(request: HttpRequest) -> HttpResponse:
    """The services whose staff this person manages; one service goes straight there."""
    services = list(staff.services_managed_by(request.user))
    if len(services) == 1:
        return redirect("care:staff_list", service_id=services[0].pk)
    return render(request, "care/staff_services.html", {"services": services})


@require_GET
@role_required(*LEAD_ROLES)
def staff_list(request: HttpRequest, service_id: int) -> HttpResponse:
    service = staff.service_get_for_manager(user=request.user, service_id=service_id)
    rows = staff.service_staff(service=service)
    context = {
        "service": service,
        "active": [r for r in rows if r["user"].is_active],
        "inactive": [r for r in rows if not r["user"].is_active],
        "trial_managers": list(staff.trial_managers()) if request.user.is_superuser else [],
    }
    return render(request, "care/staff_list.html", context)


def _invitable_roles(user) -> list:
    return [
        (value, label)
        for value, label in staff.INVITABLE_ROLES
        if value != staff.TRIAL_MANAGER or user.is_superuser
    ]


@require_http_methods(["GET", "POST"])
@role_required(*LEAD_ROLES)
def staff_invite(request: HttpRequest, service_id: int) -> HttpResponse:
    service = staff.service_get_for_manager(user=request.user, service_id=service_id)
    form = StaffInviteForm(
        request.POST if request.method == "POST" else None, roles=_invitable_roles(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = staff.staff_invite(
                actor=request.user,
                service=service,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if person.has_usable_password():
                message = _("%(name)s now has the new role.")
            else:
                message = _("We have emailed %(name)s an invitation to set a password.")
            messages.success(request, message % {"name": person.get_full_name()})
            return redirect("care:staff_list", service_id=service.pk)
    return render(
        request,
        "care/staff_invite.html",
        {"service": service, "form": form, "page_has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEAD_ROLES)
def staff_member(request: HttpRequest, service_id: int, user_id: int) -> HttpResponse:
    """One person's roles here, with the forms to change them or close the account."""
    service = staff.service_get_for_manager(user=request.user, service_id=service_id)
    person = staff.staff_member_get(service=service, user_id=user_id)
    held = list(person.memberships.filter(service=service).values_list("role", flat=True))
    action = request.POST.get("action") if request.method == "POST" else None
    form = StaffRolesForm(request.POST if action == "roles" else None, initial={"roles": held})
    error = None
    if action:
        try:
            if action == "roles" and form.is_valid():
                staff.staff_roles_set(
                    actor=request.user,
                    service=service,
                    user=person,
                    roles=form.cleaned_data["roles"],
                )
                messages.success(request, _("Roles saved."))
                return redirect("care:staff_list", service_id=service.pk)
            if action == "deactivate":
                staff.staff_deactivate(actor=request.user, service=service, user=person)
                messages.success(
                    request,
                    _("%(name)s is deactivated and signed out everywhere.")
                    % {"name": person.get_full_name()},
                )
                return redirect("care:staff_list", service_id=service.pk)
            if action == "reactivate":
                staff.staff_reactivate(actor=request.user, service=service, user=person)
                messages.success(
                    request, _("%(name)s can sign in again.") % {"name": person.get_full_name()}
                )
                return redirect("care:staff_list", service_id=service.pk)
        except DomainError as exc:
            if action == "roles":
                apply_domain_error(form, exc)
            else:
                error = exc.message
    open_clients = person.caseload.filter(service=service, status__in=["invited", "active"]).count()
    return render(
        request,
        "care/staff_member.html",
        {
            "service": service,
            "person": person,
            "form": form,
            "error": error,
            "open_clients": open_clients,
            "page_has_errors": bool(form.errors or error),
        },
    )
