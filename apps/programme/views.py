"""Client pages of the programme: home, modules, steps, exercises, entries.

Every view fetches the client's own treatment through `apps.care.access`;
entries reached by ID go through `selectors.entry_get_for_user`.
"""

import datetime
import uuid
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import LoginEvent, Role
from apps.care.access import (
    STAFF_ROLES,
    client_current_treatment,
    has_role,
    role_required,
    treatment_get_for_user,
)
from apps.care.models import Treatment
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.core.sessions import background_request
from apps.programme import selectors, services
from apps.programme.exercises.base import NEW_ROW, PART, ROWS, Part
from apps.programme.models import EntryStatus, ExerciseEntry, Step, StepKind
from apps.safety.resources import crisis_resources_for
from apps.tracking.selectors import goals_for, tracking_home_context

WELCOME_BACK_AFTER = datetime.timedelta(days=7)
MAX_VALUE_LENGTH = 10_000


def _treatment(request: HttpRequest, *, write: bool) -> Treatment:
    """The signed-in client's own treatment (open, else most recent), else 404."""
    current = client_current_treatment(request.user)
    if current is None:
        raise Http404("No treatment.")
    return treatment_get_for_user(user=request.user, treatment_id=current.pk, write=write)


def _step_url(step: Step) -> str:
    return reverse("programme:step", args=[step.module.slug, step.slug])


def _local_time(user, when: datetime.datetime) -> datetime.datetime:
    try:
        zone = ZoneInfo(user.time_zone)
    except (KeyError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localtime(when, zone)


def _welcome_back(user) -> bool:
    """True when the sign-in before this one was 7 or more days earlier."""
    last_two = list(
        LoginEvent.objects.filter(user=user).order_by("-at").values_list("at", flat=True)[:2]
    )
    return len(last_two) == 2 and last_two[0] - last_two[1] >= WELCOME_BACK_AFTER


# --- Home, modules ----------------------------------------------------------------


@require_GET
@role_required(Role.CLIENT)
def home(request: HttpRequest) -> HttpResponse:
    """The client's home. Constant number of queries (pinned in tests)."""
    treatment = client_current_treatment(request.user)
    tracking = tracking_home_context(user=request.user)
    context = {
        "treatment": treatment,
        "tracking": tracking,
        # Filled in by the PWP workspace (sessions) later; the include renders nothing yet.
        "next_session": None,
        "welcome_back": _welcome_back(request.user),
        "primary": None,
    }
    if treatment is not None:
        states = selectors.module_plan_for(treatment)
        current = selectors.current_module(states)
        next_step = current.next_step if current else None
        done, total = selectors.required_modules_done(states)
        context.update(
            {
                "states": states,
                "current": current,
                "next_step": next_step,
                "required_done": done,
                "required_total": total,
                "recent_feedback": selectors.recent_feedback_for(treatment=treatment),
            }
        )
        if treatment.is_open and not tracking["mood_done_today"]:
            context["primary"] = {
                "href": reverse("tracking:mood"),
                "text": _("Today's check-in"),
                "meta": _("about 1 minute"),
            }
        elif next_step is not None:
            context["primary"] = {
                "href": _step_url(next_step.step),
                "text": next_step.step.title,
                "meta": _("about %(n)d minutes") % {"n": next_step.step.minutes},
            }
            # The action link already is the next step: "What to do next"
            # shows the one after it instead (or nothing), never the same step.
            context["next_is_primary"] = True
            context["then_module"], context["then_step"] = _step_after(states, current, next_step)
    return render(request, "programme/home.html", context)


def _step_after(states, current, next_step):
    """(module state, step state) of the step to do after `next_step`, or (None, None).

    The next unfinished step in the same module, else the next step of the
    following open, unfinished module. Works on the states already loaded.
    """
    later = current.steps[current.steps.index(next_step) + 1 :]
    step = next((s for s in later if not s.done), None)
    if step is not None:
        return current, step
    for state in states[states.index(current) + 1 :]:
        if state.unlocked and not state.completed and state.next_step is not None:
            return state, state.next_step
    return None, None


@require_GET
@role_required(Role.CLIENT)
def modules(request: HttpRequest) -> HttpResponse:
    treatment = _treatment(request, write=False)
    states = selectors.module_plan_for(treatment)
    done, total = selectors.required_modules_done(states)
    return render(
        request,
        "programme/modules.html",
        {
            "treatment": treatment,
            "required": [s for s in states if s.module.mandatory],
            "optional": [s for s in states if not s.module.mandatory],
            "required_done": done,
            "required_total": total,
        },
    )


def _module_state(treatment: Treatment, module_slug: str):
    states = selectors.module_plan_for(treatment)
    for state in states:
        if state.module.slug == module_slug:
            return state, states
    raise Http404("No such module.")


@require_GET
@role_required(Role.CLIENT)
def module_detail(request: HttpRequest, module_slug: str) -> HttpResponse:
    treatment = _treatment(request, write=False)
    state, _states = _module_state(treatment, module_slug)
    return render(
        request,
        "programme/module.html",
        {
            "treatment": treatment,
            "state": state,
            "resources": crisis_resources_for(request.user),
        },
    )


# --- Steps ------------------------------------------------------------------------


def _step_context(treatment: Treatment, module_slug: str, step_slug: str):
    """(module state, step state, next step or None); 404 for an unknown step."""
    state, _states = _module_state(treatment, module_slug)
    for index, step_state in enumerate(state.steps):
        if step_state.step.slug == step_slug:
            following = state.steps[index + 1].step if index + 1 < len(state.steps) else None
            return state, step_state, following, index
    raise Http404("No such step.")


def _after_step_url(state, following: Step | None) -> str:
    if following is not None:
        return _step_url(following)
    return reverse("programme:module", args=[state.module.slug])


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def step_detail(request: HttpRequest, module_slug: str, step_slug: str) -> HttpResponse:
    treatment = _treatment(request, write=request.method == "POST")
    state, step_state, following, index = _step_context(treatment, module_slug, step_slug)
    if not state.unlocked:
        messages.info(request, state.locked_reason)
        return redirect("programme:module", state.module.slug)
    step = step_state.step
    step.module = state.module  # already loaded; saves a query in templates
    base = {
        "treatment": treatment,
        "state": state,
        "step_state": step_state,
        "step": step,
        "step_number": index + 1,
        "following": following,
        "next_url": _after_step_url(state, following),
    }
    if step.kind == StepKind.READING:
        if request.method == "POST":
            services.step_complete(treatment=treatment, step=step)
            return redirect(base["next_url"])
        services.step_open(treatment=treatment, step=step)
        return render(request, "programme/step.html", base)
    if step.kind == StepKind.QUIZ:
        return _quiz(request, treatment, step, base)
    if step.exercise.handled_elsewhere:
        return _goals(request, treatment, step, base)
    return _exercise(request, treatment, step, base)


def _goals(request, treatment, step, base) -> HttpResponse:
    """The goals exercise: tracking owns the goal form; done once a goal exists."""
    goals = list(goals_for(user=request.user))
    if request.method == "POST":
        if goals:
            services.step_complete(treatment=treatment, step=step)
            return redirect(base["next_url"])
        messages.error(request, _("Add at least one goal before you continue."))
        return redirect(_step_url(step))
    services.step_open(treatment=treatment, step=step)
    if goals and not base["step_state"].done:
        services.step_complete(treatment=treatment, step=step)
    return render(request, "programme/step.html", {**base, "goals": goals})


# --- Exercises ----------------------------------------------------------------------


def _request_id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _raw_values(request: HttpRequest, exercise, step: Step, part: Part | None = None) -> dict:
    """The form's raw values by field name, plus unsent "new row" text.

    With `part`, only that part's fields: the other parts' answers are kept.
    """
    values: dict = {}
    for name, field in exercise.get_form(step=step).fields.items():
        if part is not None and name not in part.fields:
            continue
        if isinstance(field, forms.MultipleChoiceField):
            values[name] = [v[:200] for v in request.POST.getlist(name)]
        else:
            values[name] = request.POST.get(name, "")[:MAX_VALUE_LENGTH]
    if part is not None:
        return values
    row_form = exercise.get_row_form()
    if row_form is not None:
        row = {n: request.POST.get(f"row-{n}", "")[:MAX_VALUE_LENGTH] for n in row_form.fields}
        values[NEW_ROW] = row if any(str(v).strip() for v in row.values()) else {}
    return values


def _entry_for_page(request, treatment, step, exercise) -> ExerciseEntry | None:
    """Which entry the form edits: ?entry=<id> (own only), the latest draft, or the
    sent entry of a one-off exercise."""
    if request.GET.get("entry"):
        entry = selectors.entry_get_for_user(
            user=request.user, entry_id=request.GET["entry"], write=False
        )
        if entry.treatment_id != treatment.pk or entry.step_id != step.pk:
            raise Http404("No such entry.")
        return entry
    entry = selectors.draft_for_step(treatment=treatment, step=step)
    if entry is None and not exercise.repeatable:
        entry = selectors.entries_for_step(treatment=treatment, step=step).first()
    return entry


def _exercise_page(
    request, treatment, step, base, *, entry, form=None, row_form=None, edit_index=None, status=200
) -> HttpResponse:
    exercise = step.exercise
    data = services.working_data(entry)
    if entry is None:
        data = exercise.initial(history=selectors.history_for(treatment=treatment), step=step)
    rows = list(data.get(ROWS) or [])
    if form is None:
        form = exercise.get_form(step=step, initial=data)
    if row_form is None and exercise.row_form_class is not None:
        row_initial = dict(data.get(NEW_ROW) or {})
        copy = request.GET.get("copy", "")
        edit = request.GET.get("edit_row", "")
        previous = selectors.entries_for_step(treatment=treatment, step=step)
        previous_rows = list(previous.first().data.get(ROWS) or []) if previous.exists() else []
        if edit.isdigit() and int(edit) < len(rows):
            edit_index = int(edit)
            row_initial = rows[edit_index]
        elif copy.isdigit() and int(copy) < len(rows):
            row_initial = {k: v for k, v in rows[int(copy)].items() if k != "day"}
        elif copy.startswith("p") and copy[1:].isdigit() and int(copy[1:]) < len(previous_rows):
            row_initial = {k: v for k, v in previous_rows[int(copy[1:])].items() if k != "day"}
        if "day" in exercise.row_field_names() and not row_initial.get("day"):
            row_initial["day"] = timezone.localdate().isoformat()
        row_form = exercise.get_row_form(initial=row_initial)
    else:
        previous_rows = []
    editable = entry is None or services.entry_editable(entry)
    entries = list(selectors.entries_for_step(treatment=treatment, step=step))
    context = {
        **base,
        "exercise": exercise,
        "entry": entry,
        "editable": editable,
        "request_id": entry.client_request_id if entry else uuid.uuid4(),
        "form": form,
        "row_form": row_form,
        "rows": [{"index": i, "summary": exercise.row_summary(r)} for i, r in enumerate(rows)],
        "previous_rows": [
            {"index": i, "summary": exercise.row_summary(r)} for i, r in enumerate(previous_rows)
        ],
        "edit_index": edit_index,
        "entries": [
            {"entry": e, "summary": e.exercise.summary(e.data, step=step)} for e in entries
        ],
        "saved_at": _local_time(request.user, entry.updated_at) if entry else None,
        "page_has_errors": bool(form.errors or (row_form is not None and row_form.errors)),
    }
    return render(request, "programme/step.html", context, status=status)


def _exercise(request, treatment, step, base) -> HttpResponse:
    exercise = step.exercise
    if request.method == "GET":
        services.step_open(treatment=treatment, step=step)
        entry = _entry_for_page(request, treatment, step, exercise)
        if exercise.parts:
            if request.GET.get("entry") and services.entry_editable(entry):
                return redirect(_resume_url(step, entry))
            return _parts_intro(request, treatment, step, base, entry=entry)
        return _exercise_page(request, treatment, step, base, entry=entry)

    request_id = _request_id(request.POST.get("client_request_id"))
    if request_id is None:
        return HttpResponseBadRequest("Missing form id.")
    action = request.POST.get("action", "save")
    values = _raw_values(request, exercise, step)
    try:
        entry = services.exercise_save_draft(
            treatment=treatment, step=step, client_request_id=request_id, values=values
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_step_url(step))
    here = f"{_step_url(step)}?entry={entry.pk}"
    if not services.entry_editable(entry):
        return redirect("programme:entry_confirm", entry.pk)
    rows = list(services.working_data(entry).get(ROWS) or [])

    if action in ("add_row", "update_row"):
        row_form = exercise.get_row_form(data=request.POST)
        index = request.POST.get("edit_index", "")
        if row_form is None or not row_form.is_valid():
            return _exercise_page(
                request,
                treatment,
                step,
                base,
                entry=entry,
                row_form=row_form,
                edit_index=int(index) if index.isdigit() else None,
            )
        row = exercise.clean_row(row_form)
        if action == "update_row" and index.isdigit() and int(index) < len(rows):
            rows[int(index)] = row
        else:
            rows.append(row)
        services.exercise_rows_set(
            treatment=treatment, step=step, client_request_id=request_id, rows=rows
        )
        messages.success(request, _("Added. You can add another or send it when you are ready."))
        return redirect(f"{here}#rows")

    if action == "remove_row":
        index = request.POST.get("edit_index", "")
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
            services.exercise_rows_set(
                treatment=treatment, step=step, client_request_id=request_id, rows=rows
            )
        return redirect(f"{here}#rows")

    if action == "submit":
        clean, form = exercise.validate(services.working_data(entry), step=step)
        if clean is None and exercise.parts:
            return redirect(_part_errors_url(step, entry, exercise.first_part_with_errors(form)))
        if clean is None:
            return _exercise_page(request, treatment, step, base, entry=entry, form=form)
        entry, _first = services.exercise_submit(
            treatment=treatment, step=step, client_request_id=request_id, data=clean
        )
        return redirect("programme:entry_confirm", entry.pk)

    messages.success(request, _("Saved. You can come back to this at any time."))
    return redirect(here)


@require_POST
@role_required(Role.CLIENT)
def autosave(request: HttpRequest, step_id: int) -> HttpResponse:
    """htmx autosave of an exercise form: stores the draft, answers "Saved 14:02".

    Without htmx it behaves like "Save and come back later".
    """
    treatment = _treatment(request, write=True)
    step = Step.objects.filter(pk=step_id, is_active=True).select_related("module").first()
    if step is None or step.kind != StepKind.EXERCISE or step.exercise.handled_elsewhere:
        raise Http404("No such exercise.")
    state, _states = _module_state(treatment, step.module.slug)
    if not state.unlocked:
        raise Http404("Module not open.")
    request_id = _request_id(request.POST.get("client_request_id"))
    if request_id is None:
        return HttpResponseBadRequest("Missing form id.")
    part = _posted_part(request, step.exercise)
    values = _raw_values(request, step.exercise, step, part)
    if part is not None:
        values[PART] = part.number
    version = request.POST.get("version", "")
    try:
        entry = services.exercise_save_draft(
            treatment=treatment,
            step=step,
            client_request_id=request_id,
            values=values,
            based_on_version=int(version) if version.isdigit() else None,
        )
    except services.DraftConflict as conflict:
        # 409: the page keeps the person's text and shows the saved one beside it.
        other = conflict.entry
        shown = services.working_data(other)
        form_fields = step.exercise.get_form(step=step).fields
        names = part.fields if part is not None else list(form_fields)
        texts = []
        for name in names:
            value = shown.get(name)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            if value not in (None, "") and name in form_fields:
                texts.append({"label": form_fields[name].label or name, "value": value})
        response = render(
            request,
            "programme/_autosave_conflict.html",
            {
                "texts": texts,
                "saved_at": _local_time(request.user, other.updated_at),
            },
            status=409,
        )
        response["X-Draft-Id"] = str(other.client_request_id)
        response["X-Draft-Version"] = str(other.version)
        return response
    if not request.htmx:
        return redirect(f"{_step_url(step)}?entry={entry.pk}")
    response = render(
        request,
        "programme/step.html#autosave_status",
        {"saved_at": _local_time(request.user, entry.updated_at), "entry": entry},
    )
    response["X-Draft-Version"] = str(entry.version)
    return response


# --- Exercises in parts (one part per page, then "Check your answers") ------------------


def _posted_part(request: HttpRequest, exercise) -> Part | None:
    """The part a multi-part exercise form was posted from (autosave), else None."""
    number = request.POST.get("part", "")
    if not exercise.parts or not number.isdigit():
        return None
    return exercise.get_part(int(number))


def _part_url(step: Step, number: int, entry: ExerciseEntry | None = None, **params) -> str:
    """Part `number` of `step`; number len(parts) + 1 is "check your answers"."""
    if number > len(step.exercise.parts):
        url = reverse("programme:step_check", args=[step.module.slug, step.slug])
    else:
        url = reverse("programme:step_part", args=[step.module.slug, step.slug, number])
    query = {"entry": entry.pk} if entry is not None else {}
    query.update({k: v for k, v in params.items() if v})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _resume_url(step: Step, entry: ExerciseEntry) -> str:
    data = services.working_data(entry)
    return _part_url(step, step.exercise.resume_part(data, step=step), entry)


def _part_errors_url(step: Step, entry: ExerciseEntry, number: int) -> str:
    return _part_url(step, number, entry, errors=1)


def _parts_intro(request, treatment, step, base, *, entry) -> HttpResponse:
    """The step page of a multi-part exercise: what to do, then Start (or Continue
    where you left off), and what the client sent before."""
    exercise = step.exercise
    editable = entry is None or services.entry_editable(entry)
    entries = list(selectors.entries_for_step(treatment=treatment, step=step))
    context = {
        **base,
        "exercise": exercise,
        "entry": entry,
        "editable": editable,
        "parts_intro": True,
        "part_count": len(exercise.parts),
        "start_url": _part_url(step, 1),
        "resume_url": _resume_url(step, entry) if entry is not None and editable else None,
        "entries": [
            {"entry": e, "summary": e.exercise.summary(e.data, step=step)} for e in entries
        ],
    }
    return render(request, "programme/step.html", context)


def _parts_step(request, module_slug: str, step_slug: str):
    """(treatment, step, base context) of an open multi-part exercise step.

    404 for an unknown step or one without parts; a locked module returns a
    redirect response instead of the tuple.
    """
    treatment = _treatment(request, write=request.method == "POST")
    state, step_state, following, index = _step_context(treatment, module_slug, step_slug)
    if not state.unlocked:
        messages.info(request, state.locked_reason)
        return redirect("programme:module", state.module.slug)
    step = step_state.step
    step.module = state.module
    if step.kind != StepKind.EXERCISE or step.exercise.handled_elsewhere or not step.exercise.parts:
        raise Http404("No such part.")
    base = {
        "treatment": treatment,
        "state": state,
        "step_state": step_state,
        "step": step,
        "step_number": index + 1,
        "following": following,
        "next_url": _after_step_url(state, following),
    }
    return treatment, step, base


def _options_with_hints(bound_field, hints: dict | None) -> list[dict] | None:
    """Each choice of a radio or checkbox field with its hint (None: no hints)."""
    if not hints:
        return None
    return [{"choice": w, "hint": hints.get(str(w.data["value"]))} for w in bound_field]


def _record_visit(treatment: Treatment, step: Step) -> None:
    """A part page counts as activity on the step, not as a new visit (see StepProgress)."""
    if services.step_activity(treatment=treatment, step=step) is None:
        services.step_open(treatment=treatment, step=step)


def _part_page(
    request, treatment, step, base, *, part, entry, form, returning, status=200
) -> HttpResponse:
    exercise = step.exercise
    data = services.working_data(entry)
    if entry is None:
        data = exercise.initial(history=selectors.history_for(treatment=treatment), step=step)
    fields = [
        {
            "field": form[name],
            "hint": exercise.field_hint(name, data),
            "options": _options_with_hints(form[name], exercise.choice_hints.get(name)),
        }
        for name in part.fields
    ]
    if returning:
        back_url = _part_url(step, len(exercise.parts) + 1, entry)
    elif part.number > 1:
        back_url = _part_url(step, part.number - 1, entry)
    else:
        back_url = _step_url(step)
    entries = selectors.entries_for_step(treatment=treatment, step=step)
    context = {
        **base,
        "exercise": exercise,
        "entry": entry,
        "part": part,
        "part_count": len(exercise.parts),
        "part_url": _part_url(step, part.number),
        "back_url": back_url,
        "returning": returning,
        "form": form,
        "fields": fields,
        "single_field": len(fields) == 1,
        "request_id": entry.client_request_id if entry else uuid.uuid4(),
        "sent_ids": [e.client_request_id for e in entries],
        "saved_at": _local_time(request.user, entry.updated_at) if entry else None,
        "page_has_errors": bool(form.errors),
    }
    return render(request, "programme/step_part.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def step_part(request: HttpRequest, module_slug: str, step_slug: str, part: int) -> HttpResponse:
    """One part of a multi-part exercise (DESIGN rule 6): Continue saves the draft
    and checks only this part; "Save and come back later" saves without checks.

    ?entry=<id> (own only) picks the draft, else the step's latest draft or a new
    one; ?return=check comes back to "Check your answers" after Continue;
    ?errors=1 shows this part's problems found when sending.
    """
    found = _parts_step(request, module_slug, step_slug)
    if isinstance(found, HttpResponse):
        return found
    treatment, step, base = found
    exercise = step.exercise
    current = exercise.get_part(part)
    if current is None:
        raise Http404("No such part.")

    if request.method == "GET":
        entry = _entry_for_page(request, treatment, step, exercise)
        if entry is not None and not services.entry_editable(entry):
            return redirect("programme:entry", entry.pk)
        _record_visit(treatment, step)
        data = services.working_data(entry)
        if entry is not None and request.GET.get("errors"):
            form = exercise.get_part_form(current, step=step, data=data)
            form.is_valid()
        else:
            if entry is None:
                data = exercise.initial(
                    history=selectors.history_for(treatment=treatment), step=step
                )
            form = exercise.get_part_form(current, step=step, initial=data)
        return _part_page(
            request,
            treatment,
            step,
            base,
            part=current,
            entry=entry,
            form=form,
            returning=request.GET.get("return") == "check",
        )

    request_id = _request_id(request.POST.get("client_request_id"))
    if request_id is None:
        return HttpResponseBadRequest("Missing form id.")
    action = request.POST.get("action", "continue")
    returning = request.POST.get("return") == "check"
    form = exercise.get_part_form(current, step=step, data=request.POST)
    valid = action == "continue" and form.is_valid()
    values = _raw_values(request, exercise, step, current)
    if valid:
        values[PART] = len(exercise.parts) + 1 if returning else current.number + 1
    else:
        values[PART] = current.number
    try:
        entry = services.exercise_save_draft(
            treatment=treatment, step=step, client_request_id=request_id, values=values
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_step_url(step))
    if not services.entry_editable(entry):
        return redirect("programme:entry_confirm", entry.pk)
    if action == "save":
        messages.success(request, _("Saved. You can come back to this at any time."))
        return redirect(
            _part_url(step, current.number, entry, **{"return": "check" if returning else ""})
        )
    if not valid:
        return _part_page(
            request,
            treatment,
            step,
            base,
            part=current,
            entry=entry,
            form=form,
            returning=returning,
        )
    return redirect(_part_url(step, values[PART], entry))


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def step_check(request: HttpRequest, module_slug: str, step_slug: str) -> HttpResponse:
    """ "Check your answers" for a multi-part exercise, then send it.

    Sending re-checks the whole entry: a problem sends the client to the first
    part that has one. Sending goes through `services.exercise_submit` like the
    one-page form (same feedback and risk alerts; the same form id sends once).
    """
    found = _parts_step(request, module_slug, step_slug)
    if isinstance(found, HttpResponse):
        return found
    treatment, step, base = found
    exercise = step.exercise

    if request.method == "POST":
        request_id = _request_id(request.POST.get("client_request_id"))
        if request_id is None:
            return HttpResponseBadRequest("Missing form id.")
        entry = selectors.entry_for_request(
            treatment=treatment, step=step, client_request_id=request_id
        )
        if entry is None:
            return redirect(_step_url(step))
        clean, form = exercise.validate(services.working_data(entry), step=step)
        if clean is None:
            return redirect(_part_errors_url(step, entry, exercise.first_part_with_errors(form)))
        entry, _first = services.exercise_submit(
            treatment=treatment, step=step, client_request_id=request_id, data=clean
        )
        return redirect("programme:entry_confirm", entry.pk)

    entry = _entry_for_page(request, treatment, step, exercise)
    if entry is None:
        return redirect(_step_url(step))
    if not services.entry_editable(entry):
        return redirect("programme:entry", entry.pk)
    _record_visit(treatment, step)
    sections = exercise.answers_by_part(services.working_data(entry), step=step)
    blank = exercise.get_form(step=step)
    for section in sections:
        section["change_url"] = _part_url(
            step, section["part"].number, entry, **{"return": "check"}
        )
        for row in section["rows"]:
            bound = blank[row["name"]]
            multiple = bound.widget_type in ("radioselect", "checkboxselectmultiple")
            row["anchor"] = f"{bound.auto_id}_0" if multiple else bound.auto_id
    return render(
        request,
        "programme/step_check.html",
        {
            **base,
            "exercise": exercise,
            "entry": entry,
            "sections": sections,
            "part_count": len(exercise.parts),
            "back_url": _part_url(step, len(exercise.parts), entry),
        },
    )


@background_request
@require_POST
@role_required(Role.CLIENT)
def step_ping(request: HttpRequest, step_id: int) -> HttpResponse:
    """Heartbeat from a visible step page (see StepProgress for the timing rule)."""
    treatment = _treatment(request, write=True)
    step = Step.objects.filter(pk=step_id).first()
    if step is None:
        raise Http404("No such step.")
    services.step_activity(treatment=treatment, step=step)
    return HttpResponse(status=204)


# --- Quiz --------------------------------------------------------------------------


def _quiz(request, treatment, step, base) -> HttpResponse:
    quiz = step.exercise
    questions = list(step.questions)
    draft = selectors.draft_for_step(treatment=treatment, step=step)
    answers = quiz.answers(draft.data) if draft else {}
    if request.method == "POST":
        action = request.POST.get("action", "answer")
        if action == "finish":
            clean, form = quiz.validate(draft.data if draft else {}, step=step)
            if clean is None:
                messages.error(request, form.non_field_errors()[0])
                return redirect(_step_url(step))
            services.exercise_submit(
                treatment=treatment,
                step=step,
                client_request_id=draft.client_request_id,
                data=clean,
            )
            return redirect(_step_url(step) + "?finished=1")
        number = request.POST.get("question", "")
        if not number.isdigit() or int(number) >= len(questions):
            return HttpResponseBadRequest("Unknown question.")
        number = int(number)
        form = quiz.question_form(questions[number], data=request.POST)
        if not form.is_valid():
            return render(
                request,
                "programme/step.html",
                {
                    **base,
                    "question": questions[number],
                    "question_index": number,
                    "question_total": len(questions),
                    "question_form": form,
                    "page_has_errors": True,
                },
            )
        services.quiz_answer(
            treatment=treatment, step=step, question=number, choice=form.cleaned_data["answer"]
        )
        return redirect(f"{_step_url(step)}?q={number}#answer-feedback")

    services.step_open(treatment=treatment, step=step)
    sent = selectors.entries_for_step(treatment=treatment, step=step).first()
    if sent is not None and draft is None and "q" not in request.GET:
        return render(
            request,
            "programme/step.html",
            {
                **base,
                "quiz_done": True,
                "quiz_summary": quiz.summary(sent.data, step=step),
            },
        )
    q = request.GET.get("q", "")
    if q.isdigit() and int(q) < len(questions):
        number = int(q)
    else:
        number = next((i for i in range(len(questions)) if i not in answers), 0)
    answered = answers.get(number)
    return render(
        request,
        "programme/step.html",
        {
            **base,
            "question": questions[number],
            "question_index": number,
            "question_total": len(questions),
            "question_form": quiz.question_form(
                questions[number], initial={"answer": answered} if answered is not None else None
            ),
            "answer_result": quiz.answer_feedback(questions[number], answered)
            if answered is not None
            else None,
            "next_question": next((i for i in range(number + 1, len(questions))), None),
            "first_unanswered": next((i for i in range(len(questions)) if i not in answers), 0),
            "all_answered": len(answers) >= len(questions),
        },
    )


# --- Entries --------------------------------------------------------------------------


def _feedback_items(entry: ExerciseEntry):
    history = selectors.history_for(treatment=entry.treatment, exclude_id=entry.pk)
    return entry.exercise.feedback(entry.data, history, step=entry.step)


@require_GET
@role_required(Role.CLIENT)
def entry_confirm(request: HttpRequest, entry_id: int) -> HttpResponse:
    """After sending: automatic feedback and "your practitioner will see this"."""
    entry = selectors.entry_get_for_user(user=request.user, entry_id=entry_id, write=False)
    if entry.status != EntryStatus.SUBMITTED:
        return redirect(f"{_step_url(entry.step)}?entry={entry.pk}")
    treatment = entry.treatment
    state, step_state, following, _index = _step_context(
        treatment, entry.step.module.slug, entry.step.slug
    )
    feedback = _feedback_items(entry)
    return render(
        request,
        "programme/entry_confirm.html",
        {
            "entry": entry,
            "treatment": treatment,
            "step": entry.step,
            "feedback_items": feedback,
            "show_crisis": any(item.kind == "safety" for item in feedback),
            "resources": crisis_resources_for(request.user),
            "next_url": _after_step_url(state, following),
            "following": following,
            "summary": entry.summary(),
        },
    )


class FeedbackReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Reply to your practitioner"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Your practitioner reads this with your exercise."),
        error_messages={"required": gettext_lazy("Write your reply before you send it")},
    )


def _entry_page(request, entry: ExerciseEntry, *, bound=None, status: int = 200) -> HttpResponse:
    """The entry page; `bound` is (feedback_id, form) after a reply with a problem."""
    is_client_view = entry.treatment.client_id == request.user.pk
    feedback = _feedback_items(entry) if entry.is_submitted else []
    practitioner_feedback = list(entry.feedback.all())
    may_reply = is_client_view and entry.treatment.is_open
    for fb in practitioner_feedback:
        if bound is not None and bound[0] == fb.pk:
            fb.reply_form = bound[1]
        elif may_reply:
            fb.reply_form = FeedbackReplyForm(auto_id=f"id_reply_{fb.pk}_%s")
    return render(
        request,
        "programme/entry.html",
        {
            "entry": entry,
            "step": entry.step,
            "is_client_view": is_client_view,
            "summary": entry.summary(),
            "feedback_items": feedback,
            "practitioner_feedback": practitioner_feedback,
            "editable": is_client_view and services.entry_editable(entry),
            "reply_form": bound[1] if bound is not None else None,
            "page_has_errors": bound is not None,
        },
        status=status,
    )


@require_GET
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One entry: the client's own, or a client's entry for their practitioner."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    entry = selectors.entry_get_for_user(user=request.user, entry_id=entry_id, write=False)
    is_client_view = entry.treatment.client_id == request.user.pk
    if is_client_view:
        services.feedback_mark_read(treatment=entry.treatment, entry_ids=[entry.pk])
    elif has_role(request.user, *STAFF_ROLES):
        audit_access(obj=entry.treatment)
    else:
        raise Http404("No such entry.")
    return _entry_page(request, entry)


@require_POST
@role_required(Role.CLIENT)
def feedback_reply(request: HttpRequest, entry_id: int, feedback_id: int) -> HttpResponse:
    """The client answers their practitioner's feedback, under the feedback itself.

    Another client's entry or feedback is a 404. A problem shows the entry page
    again with the reply still in the box.
    """
    entry = selectors.entry_get_for_user(user=request.user, entry_id=entry_id, write=True)
    if entry.treatment.client_id != request.user.pk:
        raise Http404("No such entry.")
    feedback = next((fb for fb in entry.feedback.all() if fb.pk == feedback_id), None)
    if feedback is None:
        raise Http404("No such feedback.")
    form = FeedbackReplyForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_reply_send(
                client=request.user, feedback=feedback, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Reply sent. Your practitioner will read it."))
            url = reverse("programme:entry", args=[entry.pk])
            return redirect(f"{url}#feedback-{feedback.pk}")
    return _entry_page(request, entry, bound=(feedback.pk, form), status=400)


@require_GET
@role_required(Role.ADMIN)
def translation_status(request: HttpRequest) -> HttpResponse:
    """Admins: for each offered language, the steps and modules still shown in English."""
    return render(
        request,
        "programme/translation_status.html",
        {"languages": selectors.translation_status()},
    )


# --- Preview for authors and practitioners ----------------------------------------------


def _may_preview(user) -> bool:
    """Staff who write or use the content: practitioners, supervisors, admins and
    content authors (admin-site users). Never clients or trial managers alone."""
    return has_role(user, *STAFF_ROLES) or (user.is_active and user.is_staff)


@require_GET
def preview_index(request: HttpRequest) -> HttpResponse:
    """Every module and step, each linking to its preview."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _may_preview(request.user):
        raise PermissionDenied
    return render(request, "programme/preview_index.html", {"modules": selectors.preview_modules()})


@require_GET
def preview_step(request: HttpRequest, module_slug: str, step_slug: str) -> HttpResponse:
    """A step as the client sees it, without a client account. Read-only: nothing
    here writes (no progress, no entry, no answer); a quiz answer is checked from
    the address alone."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _may_preview(request.user):
        raise PermissionDenied
    step, steps = selectors.preview_step(module_slug=module_slug, step_slug=step_slug)
    index = [s.pk for s in steps].index(step.pk)
    context = {
        "step": step,
        "module": step.module,
        "step_number": index + 1,
        "step_total": len(steps),
        "previous": steps[index - 1] if index > 0 else None,
        "following": steps[index + 1] if index + 1 < len(steps) else None,
    }
    exercise = step.exercise
    if step.kind == StepKind.QUIZ:
        questions = list(step.questions or [])
        q = request.GET.get("q", "")
        number = int(q) if q.isdigit() and int(q) < len(questions) else 0
        answer = request.GET.get("answer", "")
        answered = int(answer) if answer.isdigit() else None
        if questions:
            question = questions[number]
            context.update(
                question=question,
                question_index=number,
                question_total=len(questions),
                question_form=exercise.question_form(
                    question, initial={"answer": answered} if answered is not None else None
                ),
                answer_result=(
                    exercise.answer_feedback(question, answered)
                    if answered is not None and answered < len(question.get("options", []))
                    else None
                ),
                next_question=number + 1 if number + 1 < len(questions) else None,
            )
    elif exercise is not None and not exercise.handled_elsewhere:
        context["form"] = exercise.get_form(step=step)
        context["row_form"] = exercise.get_row_form()
    elif exercise is not None:
        context["handled_elsewhere"] = True
    return render(request, "programme/preview_step.html", context)
