"""Client pages for mood and goals. Clients only: staff read through the selectors."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.tracking import selectors, services
from apps.tracking.feedback import goal_is_vague, goal_vague_hint
from apps.tracking.forms import GoalCommentForm, GoalForm, GoalRatingForm, MoodForm
from apps.tracking.models import GoalStatus
from apps.tracking.selectors import (
    DEFAULT_CHART_WEEKS,
    goal_get_for_client,
    goal_progress_chart,
    goals_for,
    mood_page_context,
    tracking_home_context,
)


def _home_url() -> str:
    try:
        return reverse("programme:home")
    except NoReverseMatch:  # the programme app not installed
        return reverse("tracking:mood")


def _safe_next(request: HttpRequest, value: str | None) -> str | None:
    """`value` if it is a path on this site, else None (no open redirects)."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _chart_options(request: HttpRequest) -> tuple[int, bool]:
    try:
        weeks = int(request.GET.get("weeks", DEFAULT_CHART_WEEKS))
    except ValueError:
        weeks = DEFAULT_CHART_WEEKS
    return weeks, request.GET.get("view") == "weekly"


# --- Mood ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def mood(request: HttpRequest) -> HttpResponse:
    """Rate today's mood and see the chart. POST-redirect-GET; htmx swaps the panel.

    A POST with `panel=home` comes from the client home: htmx gets the home
    panel back; a plain POST is redirected to the home page, or shows the
    mood page with the error if the form was not valid.
    """
    user = request.user
    from_home = request.POST.get("panel") == "home"
    form = MoodForm(request.POST if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.mood_rate(
                client=user,
                value=data["value"],
                # Fields the submitting form did not include keep their saved values.
                note=data["note"] if "note" in request.POST else None,
                tags=data["tags"] if "tags" in request.POST or "note" in request.POST else None,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            saved = True
            if not request.htmx:
                messages.success(request, _("Your mood rating is saved."))
                return redirect(_home_url() if from_home else "tracking:mood")

    if from_home and request.htmx:
        context = tracking_home_context(user=user)
        if not saved:
            context["mood_form"] = form
        context["just_saved"] = saved
        return render(request, "tracking/_home_panel.html", context)

    weeks, weekly = _chart_options(request)
    context = mood_page_context(user=user, weeks=weeks, weekly=weekly)
    today_rating = context["today_rating"]
    if request.method == "GET" or saved:
        initial = {}
        if today_rating:
            initial = {
                "value": today_rating.value,
                "note": today_rating.note,
                "tags": today_rating.tags,
            }
        form = MoodForm(initial=initial)
    context.update(
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "just_saved": saved,
        }
    )
    template = "tracking/mood.html"
    if request.htmx and request.method == "POST":
        template += "#mood_panel"
    return render(request, template, context)


# --- Goals ---------------------------------------------------------------------


@require_http_methods(["GET"])
@role_required(Role.CLIENT)
def goals(request: HttpRequest) -> HttpResponse:
    all_goals = [selectors.decorate_goal(g) for g in goals_for(user=request.user)]
    return render(
        request,
        "tracking/goals.html",
        {
            "active_goals": [g for g in all_goals if g.status == GoalStatus.ACTIVE],
            "past_goals": [g for g in all_goals if g.status != GoalStatus.ACTIVE],
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def goal_create(request: HttpRequest) -> HttpResponse:
    """Set a goal. `next` (a path on this site) is where to go afterwards.

    A goal that sounds like a feeling is not refused: the form comes back once
    with a gentle prompt, and the next submit saves whatever the client chose.
    """
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = GoalForm(request.POST if request.method == "POST" else None)
    vague_hint = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if goal_is_vague(data["title"]) and not data["vague_ok"]:
            vague_hint = goal_vague_hint()
            form = GoalForm(request.POST.copy())
            form.data["vague_ok"] = "True"
            form.is_valid()
        else:
            try:
                goal = services.goal_create(
                    actor=request.user,
                    client=request.user,
                    title=data["title"],
                    why_it_matters=data["why_it_matters"],
                    how_ill_know=data["how_ill_know"],
                    target_date=data["target_date"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request, _("Your goal is saved: %(title)s") % {"title": goal.title}
                )
                return redirect(next_url or reverse("tracking:goals"))
    return render(
        request,
        "tracking/goal_form.html",
        {
            "goal_form": form,
            "form": form,
            "next": next_url,
            "vague_hint": vague_hint,
            "page_has_errors": bool(form.errors),
            "back_url": next_url or reverse("tracking:goals"),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_get_for_client(user=request.user, goal_id=goal_id)
    initial = {
        "title": goal.title,
        "why_it_matters": goal.why_it_matters,
        "how_ill_know": goal.how_ill_know,
        "target_date": goal.target_date,
    }
    form = GoalForm(request.POST if request.method == "POST" else None, initial=initial)
    vague_hint = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if goal_is_vague(data["title"]) and not data["vague_ok"] and data["title"] != goal.title:
            vague_hint = goal_vague_hint()
            form = GoalForm(request.POST.copy())
            form.data["vague_ok"] = "True"
            form.is_valid()
        else:
            try:
                services.goal_update(
                    actor=request.user,
                    goal=goal,
                    title=data["title"],
                    why_it_matters=data["why_it_matters"],
                    how_ill_know=data["how_ill_know"],
                    target_date=data["target_date"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Your goal is saved."))
                return redirect("tracking:goal_detail", goal_id=goal.pk)
    return render(
        request,
        "tracking/goal_form.html",
        {
            "goal": goal,
            "goal_form": form,
            "form": form,
            "vague_hint": vague_hint,
            "page_has_errors": bool(form.errors),
            "back_url": reverse("tracking:goal_detail", args=[goal.pk]),
        },
    )


def _goal_detail_response(
    request, goal, rating_form, *, comment_form=None, status=200
) -> HttpResponse:
    selectors.decorate_goal(goal)
    comment_form = comment_form or GoalCommentForm()
    return render(
        request,
        "tracking/goal_detail.html",
        {
            "goal": goal,
            "rating_form": rating_form,
            "comment_form": comment_form,
            "form": rating_form,
            "page_has_errors": bool(rating_form.errors or comment_form.errors),
            "comments": list(goal.comments.all()),
            "progress_chart": goal_progress_chart(goal),
            "ratings": list(reversed(list(goal.ratings.all()))),
            "is_vague": goal_is_vague(goal.title),
            "vague_hint": goal_vague_hint(),
        },
        status=status,
    )


@require_http_methods(["GET"])
@role_required(Role.CLIENT)
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_get_for_client(user=request.user, goal_id=goal_id)
    return _goal_detail_response(request, goal, GoalRatingForm())


@require_POST
@role_required(Role.CLIENT)
def goal_rate(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_get_for_client(user=request.user, goal_id=goal_id)
    form = GoalRatingForm(request.POST)
    if form.is_valid():
        try:
            rating = services.goal_rate(
                actor=request.user,
                goal=goal,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Saved: %(value)s out of 10 for how close you are.") % {"value": rating.value},
            )
            return redirect("tracking:goal_detail", goal_id=goal.pk)
    return _goal_detail_response(request, goal, form)


@require_POST
@role_required(Role.CLIENT)
def goal_status(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_get_for_client(user=request.user, goal_id=goal_id)
    try:
        services.goal_set_status(
            actor=request.user, goal=goal, status=request.POST.get("status", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("tracking:goal_detail", goal_id=goal.pk)
    texts = {
        GoalStatus.ACHIEVED: _("Well done. This goal is marked as achieved."),
        GoalStatus.DROPPED: _("This goal is put aside. You can pick it up again at any time."),
        GoalStatus.ACTIVE: _("You are working on this goal again."),
    }
    messages.success(request, texts[goal.status])
    return redirect("tracking:goals")


@require_POST
@role_required(Role.CLIENT)
def goal_comment(request: HttpRequest, goal_id: int) -> HttpResponse:
    """The client comments on their goal; their practitioner sees it with the ratings."""
    goal = goal_get_for_client(user=request.user, goal_id=goal_id)
    form = GoalCommentForm(request.POST)
    if form.is_valid():
        try:
            services.goal_comment_add(actor=request.user, goal=goal, text=form.cleaned_data["text"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Comment saved. Your practitioner sees it too."))
            return redirect(reverse("tracking:goal_detail", args=[goal.pk]) + "#comments")
    return _goal_detail_response(request, goal, GoalRatingForm(), comment_form=form, status=400)
