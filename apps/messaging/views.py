"""Inbox and thread pages. Threads are reached by treatment through apps.care.access."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.care.access import (
    STAFF_ROLES,
    client_current_treatment,
    role_required,
    treatment_get_for_user,
)
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.messaging.forms import MessageForm
from apps.messaging.selectors import inbox_for_staff, thread_for
from apps.messaging.services import can_send, message_send, thread_mark_read


@require_GET
@role_required(Role.CLIENT, *STAFF_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    """A client has one conversation: go straight to it. Staff see their threads."""
    if request.user.is_client and not (
        request.user.is_pwp or request.user.is_supervisor or request.user.is_superuser
    ):
        treatment = client_current_treatment(request.user)
        if treatment is None:
            raise Http404("No treatment.")
        return redirect("messaging:thread", treatment.pk)
    return render(request, "messaging/inbox.html", {"threads": inbox_for_staff(user=request.user)})


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT, *STAFF_ROLES)
def thread(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """One conversation. POST sends (htmx swaps the thread region; without
    JavaScript it redirects back). On an error the typed text is kept."""
    treatment = treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=False)
    if request.user.pk != treatment.client_id:
        audit_access(obj=treatment)
    sender_allowed = can_send(user=request.user, treatment=treatment) and treatment.is_open
    form = MessageForm()
    just_sent = False
    if request.method == "POST":
        if not can_send(user=request.user, treatment=treatment):
            raise Http404("You cannot write in this conversation.")
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message_send(
                    sender=request.user,
                    treatment=treatment,
                    body=form.cleaned_data["body"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if not request.htmx:
                    return redirect(reverse("messaging:thread", args=[treatment.pk]) + "#latest")
                form = MessageForm()
                just_sent = True
    else:
        thread_mark_read(reader=request.user, treatment=treatment)
    context = {
        "treatment": treatment,
        "thread_messages": list(thread_for(treatment=treatment)),
        "form": form,
        "can_send": sender_allowed,
        "viewer_is_client": request.user.pk == treatment.client_id,
        "page_has_errors": bool(form.errors),
        "just_sent": just_sent,
    }
    if request.htmx and request.method == "POST":
        return render(request, "messaging/thread.html#thread", context)
    return render(request, "messaging/thread.html", context)
