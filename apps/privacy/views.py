"""Data-protection pages: copies of a client's data, erasure, and the client's own page.

Staff: "Data requests" (what waits for them), a client's data-protection page
(reached from the client's record), the erasure request and decision pages.
The client: "Your data" (from the privacy page). See docs/privacy.md.
"""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role, User
from apps.care.access import role_required
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.privacy import selectors
from apps.privacy.access import (
    access_request_get_for_client,
    access_request_get_for_staff,
    erasure_request_get_for_user,
    privacy_client_get,
)
from apps.privacy.erasure import research_exemption_applies
from apps.privacy.forms import ErasureDecisionForm, ErasureRequestForm, ReleaseForm
from apps.privacy.models import ErasureKind, ReleaseState, SarStatus, SubjectAccessRequest
from apps.privacy.services import (
    access_request_create,
    access_request_decline,
    access_request_file,
    access_request_release,
    copy_days,
    erasure_blockers,
    erasure_request_create,
    erasure_request_decide,
)

leads_only = role_required(Role.SUPERVISOR, Role.ADMIN)
admins_only = role_required(Role.ADMIN)


@require_GET
@leads_only
def requests(request: HttpRequest) -> HttpResponse:
    """What waits for staff: copies to release, erasure requests to decide (admins)."""
    context = {"awaiting": selectors.copies_awaiting_release(request.user)}
    if request.user.is_superuser:
        context["pending"] = selectors.erasure_requests_pending()
        context["decided"] = selectors.erasure_requests_decided()
    return render(request, "privacy/requests.html", context)


def _release_prefix(copy: SubjectAccessRequest) -> str:
    return f"c{copy.pk.hex[:12]}"


def _client_page(
    request, client: User, *, status: int = 200, release_form: ReleaseForm | None = None
) -> HttpResponse:
    copies = list(selectors.copies_of(client))
    for copy in copies:
        if copy.awaits_release:
            if release_form is not None and release_form.prefix == _release_prefix(copy):
                copy.release_form = release_form
            else:
                copy.release_form = ReleaseForm(prefix=_release_prefix(copy))
    template = "privacy/client.html"
    if request.htmx and request.method == "GET":
        template += "#copies"
    context = {
        "client": client,
        "treatments": selectors.treatments_of(client),
        "copies": copies,
        "waiting": any(c.is_waiting for c in copies),
        "copy_days": copy_days(),
        "release_form": release_form,
        "page_has_errors": bool(release_form is not None and release_form.errors),
    }
    if request.user.is_superuser:
        context["erasure_requests"] = client.erasure_requests.select_related(
            "requested_by", "decided_by"
        )
    return render(request, template, context, status=status)


@require_GET
@leads_only
def client(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's data-protection page: copies of their data and erasure requests."""
    person = privacy_client_get(user=request.user, client_id=client_id, erasure=False)
    return _client_page(request, person)


@require_POST
@leads_only
def access_request_new(request: HttpRequest, client_id: int) -> HttpResponse:
    person = privacy_client_get(user=request.user, client_id=client_id, erasure=False)
    try:
        access_request_create(actor=request.user, client=person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A copy of the client's data is being made. The request is logged.")
        )
    return redirect("privacy:client", client_id=person.pk)


@require_POST
@leads_only
def access_request_decide(request: HttpRequest, request_id) -> HttpResponse:
    """Release a copy the client asked for, or say why not."""
    copy = access_request_get_for_staff(user=request.user, request_id=request_id)
    form = ReleaseForm(request.POST, prefix=_release_prefix(copy))
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "release":
                access_request_release(actor=request.user, access_request=copy)
                messages.success(request, _("Released. The client has been emailed."))
            else:
                access_request_decline(
                    actor=request.user, access_request=copy, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Not released. The client can read your reason."))
        except DomainError as exc:
            if exc.field is None:
                messages.error(request, exc.message)
            else:
                apply_domain_error(form, exc)
                return _client_page(request, copy.client, status=400, release_form=form)
        return redirect("privacy:client", client_id=copy.client_id)
    return _client_page(request, copy.client, status=400, release_form=form)


def _file_response(request, copy: SubjectAccessRequest) -> FileResponse:
    stream = access_request_file(actor=request.user, access_request=copy)
    response = FileResponse(stream, as_attachment=True, filename=copy.download_name())
    if copy.file_size is not None:
        response["Content-Length"] = copy.file_size
    return response


@require_GET
@role_required(Role.CLIENT, Role.SUPERVISOR, Role.ADMIN)
def access_request_download(request: HttpRequest, request_id) -> HttpResponse:
    """The ZIP, for staff who handle the client's requests, or the client once released.

    410 once it has expired; back to the page while it is not ready (or not
    released to the client).
    """
    if request.user.is_client:
        copy = access_request_get_for_client(user=request.user, request_id=request_id)
        if copy.client_may_download():
            return _file_response(request, copy)
        if copy.release_state == ReleaseState.RELEASED:  # released, then expired
            back = reverse("privacy:my_data")
            return render(request, "privacy/gone.html", {"back": back}, status=410)
        messages.info(request, _("This copy is not ready for you yet."))
        return redirect("privacy:my_data")
    copy = access_request_get_for_staff(user=request.user, request_id=request_id)
    if copy.is_downloadable():
        return _file_response(request, copy)
    if copy.status in (SarStatus.EXPIRED, SarStatus.READY):  # READY: past its expiry
        back = reverse("privacy:client", kwargs={"client_id": copy.client_id})
        return render(request, "privacy/gone.html", {"back": back}, status=410)
    messages.info(request, _("This copy is not ready yet."))
    return redirect("privacy:client", client_id=copy.client_id)


@require_http_methods(["GET", "POST"])
@admins_only
def erasure_new(request: HttpRequest, client_id: int) -> HttpResponse:
    """An administrator asks for the client to be anonymised or erased."""
    person = privacy_client_get(user=request.user, client_id=client_id, erasure=True)
    form = ErasureRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                erasure = erasure_request_create(
                    actor=request.user,
                    client=person,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Requested. A different administrator must approve it "
                        "before anything changes."
                    ),
                )
                return redirect("privacy:erasure", erasure_id=erasure.pk)
        status = 400
    return render(
        request,
        "privacy/erasure_new.html",
        {
            "client": person,
            "form": form,
            "blockers": erasure_blockers(person),
            "exemption": research_exemption_applies(person),
            "treatments": selectors.treatments_of(person),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@admins_only
def erasure(request: HttpRequest, erasure_id: int) -> HttpResponse:
    """An erasure request: what was asked and why; a different administrator decides."""
    item = erasure_request_get_for_user(user=request.user, erasure_id=erasure_id)
    form = ErasureDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = erasure_request_decide(
                    actor=request.user,
                    erasure_request=item,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Carried out. What was done is listed below.")
                    if item.status == "done"
                    else _("Rejected. Nothing was changed."),
                )
                return redirect("privacy:erasure", erasure_id=item.pk)
        status = 400
    may_decide = item.is_pending and item.requested_by_id != request.user.pk
    return render(
        request,
        "privacy/erasure.html",
        {
            "item": item,
            "form": form,
            "may_decide": may_decide,
            "blockers": erasure_blockers(item.client) if item.is_pending else [],
            "exemption": research_exemption_applies(item.client) if item.is_pending else None,
            "is_erase": item.kind == ErasureKind.ERASE,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def my_data(request: HttpRequest) -> HttpResponse:
    """The client's own page: ask for a copy of their data, see its progress, download it."""
    if request.method == "POST":
        try:
            access_request_create(actor=request.user, client=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "We are making a copy of your data. A member of staff checks it before "
                    "you can download it. We will email you when it is ready."
                ),
            )
        return redirect("privacy:my_data")
    copies = list(SubjectAccessRequest.objects.filter(client=request.user))
    template = "privacy/my_data.html#copies" if request.htmx else "privacy/my_data.html"
    return render(
        request,
        template,
        {"copies": copies, "waiting": any(c.is_waiting for c in copies)},
    )
