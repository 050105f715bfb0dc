"""Care's own pages: enrolment, the client's sessions (staff), and the client's
own session and task pages. The staff pages that gather several domains
(caseload, review, plan) are in `apps.workspace.views`.

Every view reaches a client's data through `apps.care.access`; objects inside
a treatment (sessions, tasks, entries) are then looked up within it, so a
guessed ID from another caseload is a 404.
"""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.care import selectors, services
from apps.care.access import (
    STAFF_ROLES,
    client_current_treatment,
    role_required,
    treatment_get_for_user,
    treatment_may_act,
)
from apps.care.forms import (
    AppointmentForm,
    AttendanceForm,
    CancelForm,
    EnrolForm,
    PractitionerProfileForm,
    TaskDoneForm,
)
from apps.care.ics import appointment_ics
from apps.care.models import PractitionerProfile, Treatment, TreatmentStatus
from apps.care.services import treatment_accept, treatment_enrol
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.core.time import zone_or_default

PWP_ROLES = (Role.PWP, Role.ADMIN)


def _staff_treatment(request: HttpRequest, treatment_id: int, *, write: bool) -> Treatment:
    return treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=write)


def _service_tz(treatment: Treatment) -> zoneinfo.ZoneInfo:
    return zone_or_default(treatment.service.time_zone)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
@role_required(Role.PWP, Role.SUPERVISOR, Role.ADMIN)
def enrol(request: HttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST if request.method == "POST" else None, actor=request.user)
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
            # True in both cases: nothing starts until the client accepts.
            messages.success(
                request,
                _(
                    "%(name)s is enrolled as %(pid)s. We have emailed them an invitation; "
                    "their treatment starts when they accept it."
                )
                % {"name": treatment.client.get_full_name(), "pid": treatment.participant_id},
            )
            return redirect("workspace:home")
    return render(request, "care/enrol.html", {"form": form, "page_has_errors": bool(form.errors)})


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def treatment_accept_view(request: HttpRequest) -> HttpResponse:
    """A returning client accepts (consents to) a new treatment they were
    invited to. Their own invited treatment only: no ID in the URL."""
    treatment = (
        Treatment.objects.filter(client=request.user, status=TreatmentStatus.INVITED)
        .select_related("service", "pwp")
        .first()
    )
    if treatment is None:
        messages.info(request, _("There is no invitation waiting for you."))
        return redirect("workspace:home")
    if request.method == "POST":
        treatment_accept(client=request.user, treatment=treatment)
        messages.success(request, _("Welcome back. Your new treatment has started."))
        return redirect("workspace:home")
    return render(request, "care/treatment_accept.html", {"treatment": treatment})


def _own_client_treatment(request: HttpRequest, treatment_id: int) -> Treatment:
    """The treatment, for writing in it: the client's own PWP (and admins) only.

    Supervisors read everything in their service but do not act on it here
    (`write=True` in apps.care.access).
    """
    return _staff_treatment(request, treatment_id, write=True)


# --- Sessions (staff) ---------------------------------------------------------------


def _sessions_context(treatment: Treatment, **extra) -> dict:
    appointments = selectors.appointments_for(treatment=treatment)
    total = selectors.sessions_total(appointments)
    tz = _service_tz(treatment)
    context = {
        "treatment": treatment,
        "appointments": appointments,
        "sessions_total": total,
        "now": timezone.now(),
        "service_tz": tz,
        "schedule_form": AppointmentForm(
            total=total,
            tz=tz,
            initial={"number": services.next_session_number(treatment), "time": "10:00"},
        ),
    }
    context.update(extra)
    context["page_has_errors"] = any(
        getattr(f, "errors", None) for f in extra.values() if hasattr(f, "errors")
    )
    return context


@require_GET
@role_required(*STAFF_ROLES)
def sessions(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """The client's face-to-face sessions: book, move, cancel, record attendance."""
    treatment = _staff_treatment(request, treatment_id, write=False)
    context = _sessions_context(treatment)
    context["can_act"] = treatment_may_act(user=request.user, treatment=treatment)
    return render(request, "care/sessions.html", context)


@require_POST
@role_required(*PWP_ROLES)
def session_schedule(request: HttpRequest, treatment_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    total = selectors.sessions_total(selectors.appointments_for(treatment=treatment))
    form = AppointmentForm(request.POST, total=total, tz=_service_tz(treatment))
    if form.is_valid():
        try:
            appointment = services.appointment_schedule(
                actor=request.user,
                treatment=treatment,
                number=form.cleaned_data["number"],
                starts_at=form.starts_at(),
                location=form.cleaned_data["location"],
            )
        except DomainError as error:
            if error.field == "starts_at":
                error.field = "date"
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Session %(n)s is booked for %(when)s.")
                % {
                    "n": appointment.number,
                    "when": date_format(
                        timezone.localtime(appointment.starts_at, _service_tz(treatment)),
                        _("l j F \\a\\t H:i"),
                    ),
                },
            )
            return redirect("care:sessions", treatment.pk)
    context = _sessions_context(treatment, schedule_form=form, can_act=True)
    return render(request, "care/sessions.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*PWP_ROLES)
def sessions_plan(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """ "Plan all six": proposed dates every two weeks, editable before saving."""
    treatment = _own_client_treatment(request, treatment_id)
    tz = _service_tz(treatment)
    proposals = services.session_plan_proposals(treatment=treatment)
    forms = []
    for item in proposals:
        local = item["starts_at"].astimezone(tz)
        prefix = f"s{item['number']}"
        form = AppointmentForm(
            request.POST if request.method == "POST" else None,
            prefix=prefix,
            tz=tz,
            with_number=False,
            initial={"date": local.date(), "time": local.strftime("%H:%M")},
        )
        form.number = item["number"]
        forms.append(form)
    if request.method == "POST" and forms and all(f.is_valid() for f in forms):
        try:
            booked = services.appointment_plan_all(
                actor=request.user,
                treatment=treatment,
                sessions=[
                    {
                        "number": f.number,
                        "starts_at": f.starts_at(),
                        "location": f.cleaned_data["location"],
                    }
                    for f in forms
                ],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(count)s sessions are booked.") % {"count": len(booked)},
            )
            return redirect("care:sessions", treatment.pk)
    return render(
        request,
        "care/sessions_plan.html",
        {
            "treatment": treatment,
            "forms": forms,
            "sessions_total": settings.FACE_TO_FACE_SESSIONS,
            "page_has_errors": any(f.errors for f in forms),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*PWP_ROLES)
def session_reschedule(
    request: HttpRequest, treatment_id: int, appointment_id: int
) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    appointment = selectors.appointment_get_for_treatment(
        treatment=treatment, appointment_id=appointment_id
    )
    tz = _service_tz(treatment)
    local = timezone.localtime(appointment.starts_at, tz)
    form = AppointmentForm(
        request.POST if request.method == "POST" else None,
        tz=tz,
        with_number=False,
        initial={
            "date": local.date(),
            "time": local.strftime("%H:%M"),
            "location": appointment.location,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_reschedule(
                actor=request.user,
                appointment=appointment,
                starts_at=form.starts_at(),
                location=form.cleaned_data["location"],
            )
        except DomainError as error:
            if error.field == "starts_at":
                error.field = "date"
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Session %(n)s is moved.") % {"n": appointment.number})
            return redirect("care:sessions", treatment.pk)
    return render(
        request,
        "care/session_change.html",
        {
            "treatment": treatment,
            "appointment": appointment,
            "form": form,
            "cancel_form": CancelForm(),
            "attendance_form": AttendanceForm(),
            "now": timezone.now(),
        },
    )


@require_POST
@role_required(*PWP_ROLES)
def session_cancel(request: HttpRequest, treatment_id: int, appointment_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    appointment = selectors.appointment_get_for_treatment(
        treatment=treatment, appointment_id=appointment_id
    )
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_cancel(
                actor=request.user,
                appointment=appointment,
                by_client=form.cleaned_data["by"] == "client",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Session %(n)s is cancelled.") % {"n": appointment.number})
    else:
        messages.error(request, _("Choose who cancelled the session"))
    return redirect("care:sessions", treatment.pk)


@require_POST
@role_required(*PWP_ROLES)
def session_attendance(
    request: HttpRequest, treatment_id: int, appointment_id: int
) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    appointment = selectors.appointment_get_for_treatment(
        treatment=treatment, appointment_id=appointment_id
    )
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_record_attendance(
                actor=request.user, appointment=appointment, status=form.cleaned_data["status"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Session %(n)s is recorded.") % {"n": appointment.number})
    else:
        messages.error(request, _("Choose what happened at the session"))
    return redirect("care:sessions", treatment.pk)


# --- Client pages ----------------------------------------------------------------------


def _client_treatment(request: HttpRequest) -> Treatment:
    current = client_current_treatment(request.user)
    if current is None:
        raise Http404("No treatment.")
    return treatment_get_for_user(user=request.user, treatment_id=current.pk, write=False)


@require_GET
@role_required(Role.CLIENT)
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The client's sessions: upcoming ones with a calendar download, then past ones."""
    treatment = _client_treatment(request)
    appointments = selectors.appointments_for(treatment=treatment)
    now = timezone.now()
    upcoming = [a for a in appointments if a.is_scheduled and a.ends_at >= now]
    past = [a for a in appointments if a not in upcoming]
    return render(
        request,
        "care/my_sessions.html",
        {"treatment": treatment, "upcoming": upcoming, "past": list(reversed(past))},
    )


@require_GET
@role_required(Role.CLIENT, *STAFF_ROLES)
def session_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One session as an .ics calendar file (no clinical detail in it)."""
    appointment = selectors.appointment_get_for_user(
        user=request.user, appointment_id=appointment_id
    )
    if request.user.is_client and appointment.treatment.client_id != request.user.pk:
        raise Http404("No such session.")
    response = HttpResponse(
        appointment_ics(appointment, host=request.get_host()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{appointment.number}.ics"'
    return response


@require_GET
@role_required(Role.CLIENT)
def my_tasks(request: HttpRequest) -> HttpResponse:
    treatment = _client_treatment(request)
    tasks = list(selectors.tasks_for(treatment=treatment))
    return render(
        request,
        "care/my_tasks.html",
        {
            "treatment": treatment,
            "tasks_open": [t for t in tasks if not t.is_done],
            "tasks_done": [t for t in tasks if t.is_done],
        },
    )


@require_POST
@role_required(Role.CLIENT)
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    """The client marks a task done (only on their own treatment)."""
    task = selectors.task_get_for_client(user=request.user, task_id=task_id)
    form = TaskDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.bespoke_task_mark_done(actor=request.user, task=task, note=note)
    if request.htmx:
        context = selectors.client_home_care_context(treatment=task.treatment)
        context["done_task"] = task
        return render(request, "care/_client_tasks.html", context)
    messages.success(request, _("Well done. Your practitioner will see this."))
    return redirect(_safe_next(request, reverse("care:my_tasks")))


@require_http_methods(["GET", "POST"])
@role_required(Role.PWP)
def profile(request: HttpRequest) -> HttpResponse:
    """The PWP's own short profile: name, role and a few lines, shown to their clients."""
    current = PractitionerProfile.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = PractitionerProfileForm(request.POST)
        if form.is_valid():
            try:
                services.practitioner_profile_save(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request, _("Profile saved. Your clients see it on their home page.")
                )
                return redirect("care:profile")
    else:
        form = PractitionerProfileForm(
            initial={"role_title": current.role_title, "about": current.about} if current else None
        )
    return render(
        request,
        "care/profile.html",
        {"form": form, "page_has_errors": bool(form.errors)},
        status=400 if form.errors else 200,
    )
