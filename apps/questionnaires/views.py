"""Client questionnaire pages (one question per page, or all on one page), the
signed follow-up link, and the staff view of a client's scores.

Flow: start -> item 1..N (answer saved on every Continue) -> check answers ->
complete (scores, raises risk alerts) -> result (crisis card when needed).

The PWP answers the practitioner's questionnaires (WAI-SF-T) about a client
through the same pages under their own URL names (``practitioner_*``, see
`Flow`), reached only through `access.practitioner_only`; the alliance page
shows both views side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.care.access import (
    STAFF_ROLES,
    client_current_treatment,
    role_required,
    treatment_get_for_user,
    treatment_may_act,
)
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.questionnaires import links
from apps.questionnaires.access import client_or_link, practitioner_only
from apps.questionnaires.catalogue import (
    PLACEHOLDER_VERSION,
    WordingUnavailable,
    definition_for,
    scoring_definition,
)
from apps.questionnaires.definitions import Definition
from apps.questionnaires.forms import AdHocForm, AllItemsForm, CompleteForm, ItemForm
from apps.questionnaires.models import Administration, AdministrationStatus, TimePoint
from apps.questionnaires.selectors import (
    administrations_for_staff,
    alliance_for_treatment,
    client_questionnaires,
    scores_for_treatment,
    subscale_rows,
)
from apps.questionnaires.services import (
    ad_hoc_instruments,
    administration_answer,
    administration_complete,
    administration_create_ad_hoc,
    administration_plan_for,
    answers_of,
    protocol_for,
)
from apps.safety.resources import contact_within_for, crisis_resources_for


@dataclass(frozen=True)
class Flow:
    """Who answers on these pages, and the URL names of their questionnaire pages."""

    practitioner: bool
    start: str
    item: str
    all: str
    check: str
    result: str


CLIENT = Flow(
    False,
    "questionnaires:start",
    "questionnaires:item",
    "questionnaires:all",
    "questionnaires:check",
    "questionnaires:result",
)
PRACTITIONER = Flow(
    True,
    "questionnaires:practitioner_start",
    "questionnaires:practitioner_item",
    "questionnaires:practitioner_all",
    "questionnaires:practitioner_check",
    "questionnaires:practitioner_result",
)


def _base_context(
    administration: Administration, definition: Definition, via_link: bool, flow: Flow
) -> dict:
    return {
        "administration": administration,
        "definition": definition,
        "flow": flow,
        "via_link": via_link,
        "placeholder_wording": (
            definition.wording is not None and definition.wording_version == PLACEHOLDER_VERSION
        )
        or definition.translation_placeholder,
        # Shown in English to a reader of another language: no validated translation.
        "wording_in_english": definition.language != get_language().split("-")[0]
        and definition.language == "en",
        "item_count": len(definition.items),
    }


def _gate(request, administration: Administration, via_link: bool, flow: Flow):
    """(definition, None) when the questionnaire can be answered now, else (None, response)."""
    if administration.status == AdministrationStatus.COMPLETED:
        return None, redirect(flow.result, administration.pk)
    context = {"administration": administration, "via_link": via_link, "flow": flow}
    if not administration.is_answerable():
        return None, render(request, "questionnaires/closed.html", context)
    try:
        return definition_for(administration.instrument), None
    except WordingUnavailable:
        return None, render(request, "questionnaires/not_available.html", context)


@require_GET
@role_required(Role.CLIENT)
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    treatment = client_current_treatment(request.user)
    groups = client_questionnaires(treatment=treatment) if treatment else {"due": [], "done": []}
    return render(request, "questionnaires/list.html", groups)


def _first_unanswered(definition: Definition, answers: dict[int, int]) -> int | None:
    return next((i.n for i in definition.items if i.n not in answers), None)


def _start(
    request: HttpRequest, administration: Administration, via_link: bool, flow: Flow
) -> HttpResponse:
    definition, response = _gate(request, administration, via_link, flow)
    if response:
        return response
    answers = answers_of(administration)
    resume = _first_unanswered(definition, answers) if answers else None
    context = _base_context(administration, definition, via_link, flow)
    context.update(answered=len(answers), resume=resume)
    return render(request, "questionnaires/start.html", context)


@require_GET
@client_or_link()
def start(request: HttpRequest, administration: Administration, via_link: bool) -> HttpResponse:
    return _start(request, administration, via_link, CLIENT)


def _next_url(
    administration: Administration, definition: Definition, n: int, back_to_check: bool, flow: Flow
):
    if back_to_check or n >= len(definition.items):
        return reverse(flow.check, args=[administration.pk])
    return reverse(flow.item, args=[administration.pk, n + 1])


@require_http_methods(["GET", "POST"])
@client_or_link()
def item(
    request: HttpRequest, administration: Administration, via_link: bool, n: int
) -> HttpResponse:
    """One question per page. The answer is saved on Continue; Back keeps it."""
    return _item(request, administration, via_link, n, CLIENT)


def _item(
    request: HttpRequest, administration: Administration, via_link: bool, n: int, flow: Flow
) -> HttpResponse:
    definition, response = _gate(request, administration, via_link, flow)
    if response:
        return response
    try:
        definition_item = definition.item(n)
    except KeyError:
        raise Http404("No such question.") from None
    back_to_check = request.GET.get("change") == "1"
    saved = answers_of(administration).get(n)
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        item=definition_item,
        initial={"answer": saved} if saved is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data["answer"]
        try:
            if value is not None:
                administration_answer(
                    administration=administration,
                    item=n,
                    value=value,
                    actor=request.user,
                    via_link=via_link,
                )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect(_next_url(administration, definition, n, back_to_check, flow))
    if n > 1:
        back_url = reverse(flow.item, args=[administration.pk, n - 1])
    else:
        back_url = reverse(flow.start, args=[administration.pk])
    if back_to_check:
        back_url = reverse(flow.check, args=[administration.pk])
    context = _base_context(administration, definition, via_link, flow)
    context.update(
        item=definition_item,
        n=n,
        form=form,
        field=form["answer"],
        back_url=back_url,
        back_to_check=back_to_check,
        page_has_errors=bool(form.errors),
    )
    return render(request, "questionnaires/item.html", context)


@require_http_methods(["GET", "POST"])
@client_or_link()
def all_items(request: HttpRequest, administration: Administration, via_link: bool) -> HttpResponse:
    """Every question on one page (the alternative to one per page)."""
    return _all_items(request, administration, via_link, CLIENT)


def _all_items(
    request: HttpRequest, administration: Administration, via_link: bool, flow: Flow
) -> HttpResponse:
    definition, response = _gate(request, administration, via_link, flow)
    if response:
        return response
    saved = answers_of(administration)
    form = AllItemsForm(
        request.POST if request.method == "POST" else None,
        definition=definition,
        initial={f"item_{n}": v for n, v in saved.items()},
    )
    if request.method == "POST":
        # Save what was answered even when something is missing, so nothing is lost.
        for item_def in definition.items:
            raw = request.POST.get(f"item_{item_def.n}")
            if raw is not None and raw.lstrip("-").isdigit():
                try:
                    administration_answer(
                        administration=administration,
                        item=item_def.n,
                        value=int(raw),
                        actor=request.user,
                        via_link=via_link,
                    )
                except DomainError:
                    pass  # the form reports invalid values
        if form.is_valid():
            return redirect(flow.check, administration.pk)
    context = _base_context(administration, definition, via_link, flow)
    context.update(form=form, page_has_errors=bool(form.errors))
    return render(request, "questionnaires/all.html", context)


@require_http_methods(["GET", "POST"])
@client_or_link()
def check(request: HttpRequest, administration: Administration, via_link: bool) -> HttpResponse:
    """Check your answers, with Change links; submitting completes and scores it."""
    return _check(request, administration, via_link, CLIENT)


def _check(
    request: HttpRequest, administration: Administration, via_link: bool, flow: Flow
) -> HttpResponse:
    definition, response = _gate(request, administration, via_link, flow)
    if response:
        return response
    form = CompleteForm(request.POST if request.method == "POST" else None)
    error_item = None
    if request.method == "POST" and form.is_valid():
        try:
            completed = administration_complete(administration=administration)
        except DomainError as error:
            form.add_error(None, error.message)
            if error.field and error.field.startswith("item_"):
                error_item = int(error.field.removeprefix("item_"))
        else:
            if via_link:
                links.scope_finish(request, completed)
            return redirect(flow.result, completed.pk)
    answers = answers_of(administration)
    rows = []
    for item_def in definition.items:
        value = answers.get(item_def.n)
        rows.append(
            {
                "item": item_def,
                "label": next((o.label for o in item_def.options if o.value == value), None),
                "change_url": reverse(flow.item, args=[administration.pk, item_def.n])
                + "?change=1",
            }
        )
    context = _base_context(administration, definition, via_link, flow)
    context.update(rows=rows, form=form, error_item=error_item, page_has_errors=bool(form.errors))
    return render(request, "questionnaires/check.html", context)


@require_GET
@client_or_link(result_page=True)
def result(request: HttpRequest, administration: Administration, via_link: bool) -> HttpResponse:
    """The score and what it means; the crisis card first when an alert was raised."""
    if administration.status != AdministrationStatus.COMPLETED:
        return redirect("questionnaires:start", administration.pk)
    definition = scoring_definition(administration.instrument)
    band = definition.band(administration.band) if administration.band else None
    alerted = administration.risk_alerts.exists()
    service = administration.treatment.service
    context = {
        "administration": administration,
        "definition": definition,
        "band": band,
        "via_link": via_link,
        "alerted": alerted,
        "pwp": administration.treatment.pwp,
    }
    if alerted:
        context["resources"] = crisis_resources_for(
            request.user if not via_link else None, service=service
        )
        context["contact_within"] = contact_within_for(service)
    return render(request, "questionnaires/result.html", context)


# --- The practitioner's questionnaires (WAI-SF-T), answered by the client's PWP --------


@require_GET
@practitioner_only
def practitioner_start(request: HttpRequest, administration: Administration) -> HttpResponse:
    """The PWP's view of the alliance with this client: the same pages as the client's."""
    return _start(request, administration, False, PRACTITIONER)


@require_http_methods(["GET", "POST"])
@practitioner_only
def practitioner_item(request: HttpRequest, administration: Administration, n: int) -> HttpResponse:
    return _item(request, administration, False, n, PRACTITIONER)


@require_http_methods(["GET", "POST"])
@practitioner_only
def practitioner_all(request: HttpRequest, administration: Administration) -> HttpResponse:
    return _all_items(request, administration, False, PRACTITIONER)


@require_http_methods(["GET", "POST"])
@practitioner_only
def practitioner_check(request: HttpRequest, administration: Administration) -> HttpResponse:
    """Check the answers; saving completes and scores it (a second submit changes nothing)."""
    return _check(request, administration, False, PRACTITIONER)


@require_GET
@practitioner_only
def practitioner_result(request: HttpRequest, administration: Administration) -> HttpResponse:
    """Saved: the PWP's total, band and subscales, and where the two views sit together."""
    if administration.status != AdministrationStatus.COMPLETED:
        return redirect("questionnaires:practitioner_start", administration.pk)
    definition = scoring_definition(administration.instrument)
    return render(
        request,
        "questionnaires/practitioner_result.html",
        {
            "administration": administration,
            "treatment": administration.treatment,
            "definition": definition,
            "band": definition.band(administration.band) if administration.band else None,
            "subscales": subscale_rows(definition, administration.subscales),
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def alliance(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """The working alliance: the client's WAI-SF-C and the PWP's WAI-SF-T, early and at
    the end, total and bond, goal and task subscales with their change, side by side.
    Staff who may read the record see it; the client never does."""
    treatment = treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=False)
    audit_access(obj=treatment)
    summary = alliance_for_treatment(treatment=treatment)
    bands = scoring_definition(summary.client.code).bands
    return render(
        request,
        "questionnaires/alliance.html",
        {
            "treatment": treatment,
            "alliance": summary,
            # Only the client's own PWP answers the practitioner's questionnaire.
            "due": summary.due if treatment.pwp_id == request.user.pk else [],
            "bands": ", ".join(f"{b.label} {b.min}–{b.max}" for b in bands),
        },
    )


@require_GET
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Open a signed invitation link: scope this session to that one questionnaire."""
    administration = links.administration_for_token(token)
    if administration is None:
        return render(request, "questionnaires/link_invalid.html", status=410)
    links.grant_scope(request, administration)
    return redirect("questionnaires:start", administration.pk)


def _ad_hoc_form(data=None) -> AdHocForm:
    choices = [(code, scoring_definition(code).short_name) for code in ad_hoc_instruments()]
    return AdHocForm(data, instruments=choices)


def _scores_page(request: HttpRequest, treatment, ad_hoc_form: AdHocForm | None) -> HttpResponse:
    audit_access(obj=treatment)
    rows = list(administrations_for_staff(treatment=treatment))
    now = timezone.now()
    # Only the client's own PWP (or an admin) may ask; supervisors read only.
    can_ask = treatment.is_open and (treatment_may_act(user=request.user, treatment=treatment))
    if can_ask and ad_hoc_form is None:
        ad_hoc_form = _ad_hoc_form()
    return render(
        request,
        "questionnaires/treatment_scores.html",
        {
            "treatment": treatment,
            "administrations": rows,
            "series": scores_for_treatment(treatment=treatment),
            "protocol": protocol_for(treatment.service),
            "plan": [
                {
                    "name": scoring_definition(p.instrument).short_name,
                    "time_point": TimePoint.label(p.time_point),
                    "due_from": p.due_from,
                    "due_until": p.due_until,
                }
                for p in administration_plan_for(treatment)
            ],
            "now": now,
            "ad_hoc_form": ad_hoc_form if can_ask else None,
            "page_has_errors": bool(ad_hoc_form is not None and ad_hoc_form.errors),
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def treatment_scores(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """Staff: every administration (missed shown as missed) and scores over time."""
    treatment = treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=False)
    return _scores_page(request, treatment, None)


@require_POST
@role_required(*STAFF_ROLES)
def treatment_ask(request: HttpRequest, treatment_id: int) -> HttpResponse:
    """The client's own PWP asks them to fill in a questionnaire now (POST-redirect-GET)."""
    treatment = treatment_get_for_user(user=request.user, treatment_id=treatment_id, write=True)
    form = _ad_hoc_form(request.POST)
    if form.is_valid():
        code = form.cleaned_data["instrument"]
        try:
            administration_create_ad_hoc(treatment=treatment, instrument=code)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The client has been asked to fill in the %(name)s. "
                    "It is on their questionnaires page and they have been sent an invitation."
                )
                % {"name": scoring_definition(code).short_name},
            )
            return redirect("questionnaires:treatment_scores", treatment.pk)
    return _scores_page(request, treatment, form)
