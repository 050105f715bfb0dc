"""Staff pages that gather several domains: role-based home, caseload, service
overview, pre-session review (and print), the plan page, a risk alert's detail,
the admin home.

Every view reaches a client's data through `apps.care.access`; objects inside
a treatment (tasks, entries) are then looked up within it, so a guessed ID
from another caseload is a 404.
"""

import datetime
from itertools import groupby

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.decorators import role_required
from apps.accounts.models import Role
from apps.care import selectors as care_selectors
from apps.care import services as care_services
from apps.care.access import (
    STAFF_ROLES,
    handover_service_ids,
    pwp_get_for_handover,
    treatment_get_for_lifecycle,
    treatment_get_for_user,
    treatment_may_act,
    treatments_for_handover,
)
from apps.care.consent import consent_record, consent_state
from apps.care.forms import SessionNoteForm
from apps.care.lifecycle import allowed_kinds, treatment_transfer, treatment_transition
from apps.care.models import ConsentKind, Service, Treatment
from apps.care.selectors import service_treatments
from apps.care.staff import service_get_for_manager, services_managed_by
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.core.time import user_zone, zone_or_default
from apps.earlywarning.services import warnings_mark_seen
from apps.programme.models import Module
from apps.programme.selectors import module_plan_for
from apps.programme.services import (
    feedback_leave,
    feedback_replies_mark_read,
    module_reorder,
    module_unlock,
)
from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.models import PROTOCOL_PRESET_CHOICES
from apps.questionnaires.selectors import practitioner_due_for
from apps.safety.forms import AcknowledgeForm
from apps.safety.selectors import risk_alert_get_for_user
from apps.safety.services import escalation_chain, risk_alert_acknowledge
from apps.tracking import selectors as tracking_selectors
from apps.tracking import services as tracking_services
from apps.tracking.forms import GoalCommentForm
from apps.workspace import selectors
from apps.workspace import services as workspace_services
from apps.workspace.forms import (
    CaseloadFilterForm,
    ConsentRecordForm,
    ConsentWithdrawalForm,
    FeedbackForm,
    GoalAgreeForm,
    ModuleActionForm,
    ServiceSettingsForm,
    SessionRecordForm,
    StaffGoalForm,
    TaskForm,
    TransitionForm,
    WelcomeForm,
)
from apps.workspace.lifecycle import discharge_summary
from apps.workspace.selectors import caseload_page
from apps.workspace.service_settings import service_settings_save, settings_for
from apps.workspace.services import consent_withdrawal_record

PWP_ROLES = (Role.PWP, Role.ADMIN)
ALERT_ROLES = (Role.PWP, Role.SUPERVISOR, Role.ADMIN)

ROLE_HOMES = {
    Role.CLIENT: "programme:home",
    Role.PWP: "workspace:caseload",
    Role.SUPERVISOR: "workspace:service_overview",
    Role.TRIAL_MANAGER: "trials:overview",
    Role.ADMIN: "workspace:admin_home",
}


# --- Home ------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own home page after signing in."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    role = request.user.primary_role
    if role is None:
        return render(request, "workspace/no_role.html", status=403)
    return redirect(ROLE_HOMES[role])


@require_GET
@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    context = {
        "services": Service.objects.all(),
        "treatment_count": Treatment.objects.count(),
    }
    return render(request, "workspace/admin_home.html", context)


def _staff_treatment(request: HttpRequest, treatment_id: int, *, write: bool) -> Treatment:
    return treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=write)


# --- Caseload ------------------------------------------------------------------------


# Rows per page of the caseload and the service overview. Sorting and filtering
# run over the whole caseload in the database; only the page's rows are read.
CASELOAD_PAGE_SIZE = 25


def _caseload_context(request: HttpRequest, treatments) -> dict:
    form = CaseloadFilterForm(request.GET or None)
    values = form.values() if request.GET else CaseloadFilterForm().values()
    page = caseload_page(
        treatments, **values, page=request.GET.get("page"), per_page=CASELOAD_PAGE_SIZE
    )
    return {
        "filter_form": form,
        "rows": page.object_list,
        "page_obj": page,
        "total": page.paginator.count,
        "filters": values,
    }


@require_GET
@role_required(Role.PWP)
def caseload(request: HttpRequest) -> HttpResponse:
    """The PWP's clients, needs-attention first. Constant queries (pinned in tests)."""
    context = _caseload_context(request, care_selectors.caseload_for(pwp=request.user))
    template = "workspace/caseload.html"
    if request.htmx and not request.htmx.boosted:
        template += "#caseload-table"
    else:
        # "Your view of the alliance with …": the WAI-SF-T questionnaires open now.
        context["due_from_you"] = practitioner_due_for(pwp=request.user)
    return render(request, template, context)


@require_POST
@role_required(*PWP_ROLES)
def warnings_seen(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Mark a client's warnings "seen, plan made" with the PWP's note."""
    treatment = _staff_treatment(request, treatment_id, write=True)
    try:
        warnings_mark_seen(
            treatment=treatment, user=request.user, note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s marked seen, plan made.") % {"name": treatment.client.get_full_name()},
        )
    return redirect("workspace:caseload")


@require_GET
@role_required(Role.SUPERVISOR, Role.ADMIN)
def service_overview(request: HttpRequest) -> HttpResponse:
    """Every client of the supervisor's services, grouped by PWP. Constant queries."""
    context = _caseload_context(request, service_treatments(user=request.user))
    rows = sorted(
        context["rows"],
        key=lambda r: (
            r.treatment.pwp.last_name.lower(),
            r.treatment.pwp.first_name.lower(),
            r.treatment.pwp_id,
        ),
    )
    # Keep the chosen order inside each PWP's group (sorted() is stable).
    order = {id(r): i for i, r in enumerate(context["rows"])}
    groups = []
    for pwp, items in groupby(rows, key=lambda r: r.treatment.pwp):
        groups.append({"pwp": pwp, "rows": sorted(items, key=lambda r: order[id(r)])})
    context["groups"] = groups
    template = "workspace/service_overview.html"
    if request.htmx and not request.htmx.boosted:
        template += "#caseload-table"
    return render(request, template, context)


# --- Pre-session review ------------------------------------------------------------


def _feedback_form(entry, data=None) -> FeedbackForm:
    # One form per entry on the page: unique ids keep labels and errors apart.
    return FeedbackForm(data, auto_id=f"id_fb{entry.pk}_%s")


def _review_page(
    request: HttpRequest,
    treatment_id: int,
    template: str,
    *,
    entry_form=None,
    **extra,
) -> HttpResponse:
    treatment = _staff_treatment(request, treatment_id, write=False)
    audit_access(obj=treatment)
    context = selectors.review_context(treatment=treatment, show_all=request.GET.get("all") == "1")
    for entry in context["entries"]:
        if entry_form is not None and entry_form[0] == entry.pk:
            entry.feedback_form = entry_form[1]
        else:
            entry.feedback_form = _feedback_form(entry)
    context.update(
        {
            "treatment": treatment,
            "can_act": treatment_may_act(user=request.user, treatment=treatment),
            "note_form": SessionNoteForm(treatment=treatment),
            # Only the client's own PWP answers the practitioner's questionnaire.
            "alliance_due": (
                context["alliance"].due if treatment.pwp_id == request.user.pk else []
            ),
        }
    )
    context.update(extra)
    context["glance"] = selectors.review_glance(context)
    return render(request, template, context)


@require_GET
@role_required(*STAFF_ROLES)
def review(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Everything since the last session on one screen. Opening it is audit-logged.

    The client's replies to feedback show as new once; their own PWP opening
    the page marks them read.
    """
    response = _review_page(request, treatment_id, "workspace/review.html")
    if response.status_code == 200:
        feedback_replies_mark_read(treatment_id=treatment_id, reader=request.user)
    return response


# The client's record *is* the review page (old URL name kept for links and tests).
client_detail = review


@require_GET
@role_required(*STAFF_ROLES)
def review_print(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """The same summary, laid out for printing or saving as PDF (no forms)."""
    return _review_page(request, treatment_id, "workspace/review_print.html", printable=True)


def _own_client_treatment(request: HttpRequest, treatment_id: int) -> Treatment:
    """The treatment, for writing in it: the client's own PWP (and admins) only.

    Supervisors read everything in their service but do not act on it here
    (`write=True` in apps.care.access).
    """
    return _staff_treatment(request, treatment_id, write=True)


@require_POST
@role_required(*STAFF_ROLES)
def entry_feedback(request: HttpRequest, treatment_id: int, entry_id: int) -> HttpResponse:
    """Leave feedback on an exercise entry (htmx inline, or POST-redirect-GET)."""

    treatment = _own_client_treatment(request, treatment_id)
    entry = selectors.entry_get_for_treatment(treatment=treatment, entry_id=entry_id)
    form = _feedback_form(entry, request.POST)
    sent = False
    if form.is_valid():
        try:
            feedback_leave(actor=request.user, entry=entry, text=form.cleaned_data["text"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if not request.htmx:
                messages.success(
                    request, _("Feedback sent. The client sees it on their home page.")
                )
                return redirect(
                    reverse("workspace:review", args=[treatment.pk]) + f"#entry-{entry.pk}"
                )
            entry = selectors.entry_get_for_treatment(treatment=treatment, entry_id=entry_id)
            form = _feedback_form(entry)
            sent = True
    entry.feedback_form = form
    if request.htmx:
        return render(
            request,
            "workspace/_review_sections.html#entry-feedback",
            {"treatment": treatment, "entry": entry, "can_act": True, "feedback_sent": sent},
        )
    return _review_page(
        request,
        treatment.pk,
        "workspace/review.html",
        entry_form=(entry.pk, form),
        page_has_errors=True,
    )


@require_POST
@role_required(*STAFF_ROLES)
def note_add(request: HttpRequest, treatment_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    form = SessionNoteForm(request.POST, treatment=treatment)
    if form.is_valid():
        try:
            care_services.session_note_add(
                actor=request.user,
                treatment=treatment,
                text=form.cleaned_data["text"],
                appointment=form.cleaned_data["appointment"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Note saved. Only staff can read it."))
            return redirect(reverse("workspace:review", args=[treatment.pk]) + "#notes")
    return _review_page(
        request, treatment.pk, "workspace/review.html", note_form=form, page_has_errors=True
    )


# --- Personalisation ------------------------------------------------------------------


def _plan_context(request: HttpRequest, treatment: Treatment, **forms) -> dict:

    context = {
        "treatment": treatment,
        "states": module_plan_for(treatment),
        "tasks": list(care_selectors.tasks_for(treatment=treatment)),
        "welcome_form": WelcomeForm(initial={"welcome_message": treatment.welcome_message}),
        "task_form": TaskForm(),
        "today": timezone.localdate(),
    }
    context.update(forms)
    context["page_has_errors"] = any(getattr(f, "errors", None) for f in forms.values())
    return context


@require_GET
@role_required(*PWP_ROLES)
def plan(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Personalise the client's programme: modules, tasks, welcome message."""
    treatment = _own_client_treatment(request, treatment_id)
    return render(request, "workspace/plan.html", _plan_context(request, treatment))


@require_POST
@role_required(*PWP_ROLES)
def welcome_set(request: HttpRequest, treatment_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    form = WelcomeForm(request.POST)
    if form.is_valid():
        care_services.treatment_welcome_set(
            actor=request.user, treatment=treatment, text=form.cleaned_data["welcome_message"]
        )
        messages.success(
            request, _("Welcome message saved. The client sees it on their home page.")
        )
        return redirect("workspace:plan", treatment.pk)
    return render(
        request, "workspace/plan.html", _plan_context(request, treatment, welcome_form=form)
    )


@require_POST
@role_required(*PWP_ROLES)
def module_action(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Open (unlock) a module for the client, including an optional one ("add"),
    or move it one place up or down in the client's list ("up", "down").

    htmx requests get the modules table back (with the news in #app-live);
    without JavaScript it is POST-redirect-GET to the plan page.
    """
    treatment = _own_client_treatment(request, treatment_id)
    form = ModuleActionForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown action.")
    try:
        module = Module.objects.get(pk=form.cleaned_data["module"], is_active=True)
    except Module.DoesNotExist:
        raise Http404("No such module.") from None
    action = form.cleaned_data["action"]
    news = ""
    if action in ("unlock", "add"):
        module_unlock(actor=request.user, treatment=treatment, module=module)
        news = _("“%(title)s” is now open for the client.") % {"title": module.title}
    elif action in ("up", "down"):
        order = [s.module.pk for s in module_plan_for(treatment)]
        if module.pk not in order:
            raise Http404("No such module.")
        index = order.index(module.pk)
        position = index - 1 if action == "up" else index + 1
        try:
            module_reorder(
                actor=request.user, treatment=treatment, module=module, position=position
            )
        except DomainError as error:
            messages.error(request, error.message)
            target = reverse("workspace:plan", args=[treatment.pk]) + "#modules"
            if request.htmx:  # reload the whole page so the message shows
                return HttpResponseClientRedirect(target)
            return redirect(target)
        news = _("“%(title)s” is now number %(n)s of %(total)s.") % {
            "title": module.title,
            "n": max(0, min(position, len(order) - 1)) + 1,
            "total": len(order),
        }
    else:
        raise Http404("Unknown action.")
    if request.htmx:
        context = _plan_context(request, treatment)
        context["modules_news"] = news
        return render(request, "workspace/plan.html#modules-table", context)
    messages.success(request, news)
    return redirect(reverse("workspace:plan", args=[treatment.pk]) + "#modules")


@require_POST
@role_required(*PWP_ROLES)
def task_add(request: HttpRequest, treatment_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    form = TaskForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            care_services.bespoke_task_assign(
                actor=request.user,
                treatment=treatment,
                title=data["title"],
                instructions=data["instructions"],
                due_date=data["due_date"],
                step=data["step"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Task set. The client sees it on their home page now."))
            return redirect(reverse("workspace:plan", args=[treatment.pk]) + "#tasks")
    return render(request, "workspace/plan.html", _plan_context(request, treatment, task_form=form))


@require_POST
@role_required(*PWP_ROLES)
def task_withdraw(request: HttpRequest, treatment_id: int, task_id: int) -> HttpResponse:
    treatment = _own_client_treatment(request, treatment_id)
    task = care_selectors.task_get_for_treatment(treatment=treatment, task_id=task_id)
    try:
        care_services.bespoke_task_withdraw(actor=request.user, task=task)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Task removed."))
    return redirect(reverse("workspace:plan", args=[treatment.pk]) + "#tasks")


# --- Shared goals -----------------------------------------------------------------------


def _goal_page(request, treatment, goal, *, forms_: dict, status: int = 200) -> HttpResponse:
    return render(
        request,
        "workspace/goal.html",
        {
            "treatment": treatment,
            "goal": goal,
            "comments": list(goal.comments.all()) if goal else [],
            "edit_form": forms_.get("edit")
            or StaffGoalForm(
                auto_id="edit_%s",
                initial={
                    "title": goal.title,
                    "why_it_matters": goal.why_it_matters,
                    "how_ill_know": goal.how_ill_know,
                    "target_date": goal.target_date,
                }
                if goal
                else None,
            ),
            "comment_form": forms_.get("comment") or GoalCommentForm(),
            "agree_form": forms_.get("agree")
            or GoalAgreeForm(
                treatment=treatment, initial={"appointment": goal.agreed_in_id if goal else None}
            ),
            "page_has_errors": status == 400,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*PWP_ROLES)
def goal_new(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """The PWP proposes a goal with the client, from the client's record."""
    treatment = _own_client_treatment(request, treatment_id)
    form = StaffGoalForm(request.POST or None, auto_id="edit_%s")
    if request.method == "POST" and form.is_valid():
        try:
            goal = tracking_services.goal_create(
                actor=request.user, client=treatment.client, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Goal saved. The client sees it with their goals."))
            return redirect(reverse("workspace:goal", args=[treatment.pk, goal.pk]))
    return _goal_page(
        request, treatment, None, forms_={"edit": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@role_required(*PWP_ROLES)
def goal(request: HttpRequest, treatment_id: int, goal_id: int) -> HttpResponse:
    """One goal as the PWP sees it: the client's ratings and both sides' comments.

    POST `action`: "edit" (change the wording with the client), "comment", or
    "agree" (mark it agreed in a session). A problem keeps what was typed.
    """
    treatment = _own_client_treatment(request, treatment_id)
    goal = tracking_selectors.goal_get_for_treatment(treatment=treatment, goal_id=goal_id)
    if request.method == "GET":
        audit_access(obj=treatment)
        return _goal_page(request, treatment, goal, forms_={})
    action = request.POST.get("action")
    if action == "edit":
        form = StaffGoalForm(request.POST, auto_id="edit_%s")
        call = lambda data: tracking_services.goal_update(actor=request.user, goal=goal, **data)  # noqa: E731
        done = _("Goal changed. The client sees the new wording.")
    elif action == "comment":
        form = GoalCommentForm(request.POST)
        call = lambda data: tracking_services.goal_comment_add(  # noqa: E731
            actor=request.user, goal=goal, text=data["text"]
        )
        done = _("Comment saved. The client sees it with the goal.")
    elif action == "agree":
        form = GoalAgreeForm(request.POST, treatment=treatment)
        call = lambda data: tracking_services.goal_agree_in_session(  # noqa: E731
            actor=request.user, goal=goal, appointment=data["appointment"]
        )
        done = _("Saved.")
    else:
        raise Http404("Unknown action.")
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("workspace:goal", args=[treatment.pk, goal.pk]))
    return _goal_page(request, treatment, goal, forms_={action: form}, status=400)


# --- After a session: what was agreed --------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*PWP_ROLES)
def session_record(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """After a session the PWP records what was agreed: tasks, next module, goal changes.

    The tasks and the module go into the client's plan through care's and
    programme's services; the client's home page shows the record. A problem
    shows the form again with everything typed still in it.
    """
    treatment = _own_client_treatment(request, treatment_id)
    if request.method == "POST":
        form = SessionRecordForm(request.POST, treatment=treatment)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workspace_services.session_agreement_record(
                    actor=request.user,
                    treatment=treatment,
                    appointment=data["appointment"],
                    agreed=data["agreed"],
                    tasks=data["tasks"],
                    due_date=data["due_date"],
                    next_module=data["next_module"],
                    goal_changes=data["goal_changes"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request, _("Saved. The client sees what you agreed on their home page.")
                )
                return redirect(reverse("workspace:review", args=[treatment.pk]))
    else:
        now = timezone.now()
        last = (
            treatment.appointments.filter(starts_at__lte=now)
            .exclude(status__in=["cancelled_by_client", "cancelled_by_service", "did_not_attend"])
            .order_by("-starts_at")
            .first()
        )
        upcoming = (
            treatment.appointments.filter(starts_at__gt=now, status="scheduled")
            .order_by("starts_at")
            .first()
        )
        due = (
            timezone.localtime(upcoming.starts_at).date()
            if upcoming
            else timezone.localdate() + datetime.timedelta(days=7)
        )
        form = SessionRecordForm(
            treatment=treatment, initial={"appointment": last, "due_date": due}
        )
    return render(
        request,
        "workspace/session_record.html",
        {"treatment": treatment, "form": form, "page_has_errors": bool(form.errors)},
        status=400 if form.errors else 200,
    )


# --- Risk alert detail -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*ALERT_ROLES)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert, what raised it, and the acknowledgement form (note required).

    Here rather than in safety: it shows the questionnaire's answers or the
    exercise that raised the alert, which live above safety on the ladder.

    A questionnaire alert shows the answers; an exercise alert shows which
    exercise and when it was sent, with a link to the entry.
    """
    alert = risk_alert_get_for_user(user=request.user, alert_id=alert_id)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            risk_alert_acknowledge(alert=alert, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Alert acknowledged. It is now closed."))
            return redirect("safety:alerts")
    audit_access(obj=alert)
    context = {"alert": alert, "form": form, "page_has_errors": bool(form.errors)}
    if alert.administration_id is not None:
        context.update(_administration_context(alert.administration))
    elif alert.exercise_entry_id is not None:
        context.update(_entry_context(alert))
    else:
        context.update(_subject_context(alert))
    context["chain"] = escalation_chain(alert)
    return render(request, "workspace/alert_detail.html", context)


def _administration_context(administration) -> dict:
    """The questionnaire's answers, with the risk items marked."""
    definition = scoring_definition(administration.instrument)
    answers = dict(administration.answers.values_list("item", "value"))
    rows = []
    for item in definition.items:
        value = answers.get(item.n)
        label = next((o.label for o in item.options if o.value == value), None)
        rows.append(
            {
                "n": item.n,
                "text": item.text or _("Question %(n)s") % {"n": item.n},
                "value": value,
                "label": label,
                "is_risk": any(r.n == item.n for r in definition.risk_items),
            }
        )
    band = definition.band_for(administration.total) if administration.total is not None else None
    return {
        "administration": administration,
        "definition": definition,
        "band": band,
        "rows": rows,
        # Every save of a risk item (who, when, old → new): a 3 changed to 0
        # before submitting still shows here.
        "answer_history": list(administration.answer_changes.select_related("changed_by")),
    }


def _entry_context(alert) -> dict:
    """Where the alert came from: the exercise and when it was sent, linked, not its text.

    The entry page (programme:entry) applies the same access rules and shows
    what the client wrote.
    """
    entry = alert.exercise_entry
    zone = zone_or_default(alert.treatment.service.time_zone).key
    return {
        "entry": entry,
        "entry_title": alert.exercise_title,
        "entry_sent_at": entry.submitted_at or entry.updated_at,
        "time_zone": zone,  # the service's: "submitted 3 March 14:02" in its local time
    }


def _subject_context(alert) -> dict:
    """A free-text alert: what kind of text, when it was sent, and what the screen matched.

    Not the words themselves: the message thread (or the client's review page)
    shows what the client wrote, under its own access rules.
    """
    subject = alert.subject
    zone = zone_or_default(alert.treatment.service.time_zone).key
    sent_at = getattr(subject, "created_at", None) or getattr(subject, "rated_at", None)
    categories = list(dict.fromkeys(m.get("category", "") for m in alert.screen_matches))
    return {
        "subject_label": alert.subject_label,
        "subject_model": alert.subject_type.model if alert.subject_type_id else "",
        "subject_sent_at": sent_at or alert.raised_at,
        "screen_categories": [c.replace("_", " ") for c in categories if c],
        "time_zone": zone,
    }


# --- Treatment lifecycle ------------------------------------------------------------------


def _lifecycle_page(
    request: HttpRequest,
    treatment: Treatment,
    form: TransitionForm | None = None,
    status=200,
    withdrawal_form=None,
    consent_form=None,
):
    context = {
        "treatment": treatment,
        "form": form or TransitionForm(treatment=treatment),
        "withdrawal_form": withdrawal_form or ConsentWithdrawalForm(),
        "consent_form": consent_form
        or ConsentRecordForm(initial={"decided_on": timezone.localdate()}),
        "consent_rows": [
            (ConsentKind(kind).label, consent)
            for kind, consent in consent_state(treatment.client).items()
        ],
        "allowed": allowed_kinds(treatment),
        "summary": discharge_summary(treatment),
        "transitions": treatment.transitions.select_related("actor", "from_pwp", "to_pwp"),
    }
    return render(request, "workspace/lifecycle.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.PWP, Role.SUPERVISOR, Role.ADMIN)
def lifecycle(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Discharge summary, history and the next steps (discharge, dropout, trial
    withdrawal, transfer, re-open) for the client's PWP or a supervisor of the service."""
    treatment = treatment_get_for_lifecycle(user=request.user, treatment_id=treatment_id)
    audit_access(obj=treatment)
    if request.method == "GET":
        return _lifecycle_page(request, treatment)
    form = TransitionForm(request.POST, treatment=treatment)
    if form.is_valid():
        try:
            transition = treatment_transition(
                actor=request.user,
                treatment=treatment,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                to_pwp=form.cleaned_data["to_pwp"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, transition.get_kind_display())
            return redirect("workspace:lifecycle", treatment.pk)
    treatment.refresh_from_db()
    return _lifecycle_page(request, treatment, form, status=400)


@require_POST
@role_required(Role.PWP, Role.SUPERVISOR, Role.ADMIN)
def consent_withdrawal(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Record a withdrawal of consent and everything it stops (workspace.services)."""
    treatment = treatment_get_for_lifecycle(user=request.user, treatment_id=treatment_id)
    form = ConsentWithdrawalForm(request.POST)
    if form.is_valid():
        try:
            consent_withdrawal_record(
                actor=request.user,
                treatment=treatment,
                withdrawal=form.cleaned_data["withdrawal"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Withdrawal recorded."))
            return redirect("workspace:lifecycle", treatment.pk)
    return _lifecycle_page(request, treatment, status=400, withdrawal_form=form)


@require_POST
@role_required(Role.PWP, Role.SUPERVISOR, Role.ADMIN)
def consent_set(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Record one consent with its date and information sheet version."""
    treatment = treatment_get_for_lifecycle(user=request.user, treatment_id=treatment_id)
    form = ConsentRecordForm(request.POST)
    if form.is_valid():
        try:
            consent_record(actor=request.user, client=treatment.client, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("workspace:lifecycle", treatment.pk)
    return _lifecycle_page(request, treatment, status=400, consent_form=form)


# --- The PWP's diary --------------------------------------------------------------------


@require_GET
@role_required(Role.PWP)
def diary(request: HttpRequest) -> HttpResponse:
    """The signed-in PWP's booked sessions for one day or one week (Monday first).

    Only their own caseload (`treatment__pwp=request.user`): no object ID in the URL.
    """
    zone = user_zone(request.user)
    today = timezone.now().astimezone(zone).date()
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    week = request.GET.get("view") != "day"
    first = day - datetime.timedelta(days=day.weekday()) if week else day
    length = 7 if week else 1
    step = datetime.timedelta(days=length)
    context = {
        "days": selectors.pwp_diary(pwp=request.user, first_day=first, days=length, zone=zone),
        "week": week,
        "first": first,
        "last": first + step - datetime.timedelta(days=1),
        "previous": first - step,
        "next": first + step,
        "today": today,
        "day": day,
    }
    return render(request, "workspace/diary.html", context)


# --- Caseload handover ----------------------------------------------------------------


@require_GET
@role_required(Role.SUPERVISOR, Role.ADMIN)
def handover_list(request: HttpRequest) -> HttpResponse:
    """Practitioners of the services this person leads, leavers first, with their open
    clients and open alerts."""
    rows = selectors.handover_rows(services=handover_service_ids(request.user))
    return render(request, "workspace/handover_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR, Role.ADMIN)
def handover(request: HttpRequest, pwp_id: int) -> HttpResponse:
    """Reassign a practitioner's open clients (and so their open alerts) one by one."""
    leaver = pwp_get_for_handover(user=request.user, pwp_id=pwp_id)
    treatments = list(
        treatments_for_handover(user=request.user, pwp=leaver)
        .select_related("client", "service")
        .annotate(
            open_alerts=Count("risk_alerts", filter=Q(risk_alerts__status="open"), distinct=True)
        )
    )
    candidates: dict[int, list] = {}

    def candidates_for(treatment):
        if treatment.service_id not in candidates:
            candidates[treatment.service_id] = list(
                selectors.handover_candidates(treatment.service).exclude(pk=leaver.pk)
            )
        return candidates[treatment.service_id]

    errors: list[str] = []
    if request.method == "POST":
        moved = 0
        for treatment in treatments:
            choice = request.POST.get(f"to_{treatment.pk}", "")
            if not choice:
                continue
            to_pwp = next((u for u in candidates_for(treatment) if str(u.pk) == choice), None)
            if to_pwp is None:
                errors.append(
                    _("%(p)s: choose a practitioner of the client's service.")
                    % {"p": treatment.participant_id}
                )
                continue
            try:
                treatment_transfer(
                    actor=request.user,
                    treatment=treatment,
                    to_pwp=to_pwp,
                    reason=_("Caseload handover"),
                )
                moved += 1
            except DomainError as error:
                errors.append(f"{treatment.participant_id}: {error.message}")
        if not errors:
            messages.success(request, _("%(n)s clients reassigned.") % {"n": moved})
            return redirect("workspace:handover", leaver.pk)
    rows = [(t, candidates_for(t)) for t in treatments]
    return render(
        request,
        "workspace/handover.html",
        {"leaver": leaver, "rows": rows, "errors": errors},
        status=400 if errors else 200,
    )


# --- Service settings -------------------------------------------------------------------


@require_GET
@role_required(Role.SUPERVISOR, Role.ADMIN)
def service_settings_index(request: HttpRequest) -> HttpResponse:
    services = list(services_managed_by(request.user))
    if len(services) == 1:
        return redirect("workspace:service_settings", service_id=services[0].pk)
    return render(request, "workspace/service_settings_index.html", {"services": services})


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR, Role.ADMIN)
def service_settings(request: HttpRequest, service_id: int) -> HttpResponse:
    """Time zone, crisis resources, escalation wait, questionnaire protocol, quiet hours."""
    service = service_get_for_manager(user=request.user, service_id=service_id)
    current = settings_for(service)
    form = ServiceSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=current,
        protocol_choices=PROTOCOL_PRESET_CHOICES,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = service_settings_save(
                actor=request.user, service=service, data=form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if changed:
                messages.success(request, _("Settings saved. The change is in the audit log."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("workspace:service_settings", service_id=service.pk)
    return render(
        request,
        "workspace/service_settings.html",
        {
            "service": service,
            "form": form,
            "current": current,
            "page_has_errors": bool(form.errors),
        },
    )
