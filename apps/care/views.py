from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.care.access import STAFF_ROLES, role_required, treatment_get_for_user
from apps.care.forms import EnrolForm
from apps.care.selectors import caseload_for, service_treatments
from apps.care.services import treatment_enrol
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error


@require_GET
@role_required(Role.PWP)
def caseload(request: HttpRequest) -> HttpResponse:
    treatments = list(caseload_for(pwp=request.user))
    return render(request, "care/caseload.html", {"treatments": treatments})


@require_GET
@role_required(Role.SUPERVISOR, Role.ADMIN)
def service_overview(request: HttpRequest) -> HttpResponse:
    treatments = service_treatments(user=request.user)
    groups = [
        {"pwp": pwp, "treatments": list(items)}
        for pwp, items in groupby(treatments, key=lambda t: t.pwp)
    ]
    return render(request, "care/service_overview.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@role_required(Role.PWP, Role.SUPERVISOR, Role.ADMIN)
def enrol(request: HttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            treatment = treatment_enrol(
                actor=request.user,
                service=data["service"],
                pwp=data["pwp"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                start_date=data["start_date"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is enrolled as %(pid)s. We have emailed them an invitation.")
                % {"name": treatment.client.get_full_name(), "pid": treatment.participant_id},
            )
            return redirect("core:home")
    return render(request, "care/enrol.html", {"form": form, "page_has_errors": bool(form.errors)})


@require_GET
@role_required(*STAFF_ROLES)
def client_detail(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """A client's record as staff see it. Opening it is audit-logged."""
    treatment = treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=False)
    audit_access(obj=treatment)
    return render(request, "care/client_detail.html", {"treatment": treatment})
