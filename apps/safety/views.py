from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.core.audit import audit_access
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.core.time import zone_or_default
from apps.questionnaires.catalogue import scoring_definition
from apps.safety.forms import AcknowledgeForm
from apps.safety.models import RiskAlertStatus
from apps.safety.selectors import alerts_visible_to, open_alerts_for_user, risk_alert_get_for_user
from apps.safety.services import escalation_chain, risk_alert_acknowledge

ALERT_ROLES = (Role.PWP, Role.SUPERVISOR, Role.ADMIN)


@require_GET
@role_required(*ALERT_ROLES)
def alerts(request: HttpRequest) -> HttpResponse:
    """Open alerts on the user's caseload (PWP) or service (supervisor), oldest first."""
    open_alerts = list(open_alerts_for_user(request.user))
    recent = list(
        alerts_visible_to(request.user)
        .filter(status=RiskAlertStatus.ACKNOWLEDGED)
        .order_by("-acknowledged_at")[:20]
    )
    return render(request, "safety/alerts.html", {"open_alerts": open_alerts, "recent": recent})


@require_http_methods(["GET", "POST"])
@role_required(*ALERT_ROLES)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert, what raised it, and the acknowledgement form (note required).

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
    return render(request, "safety/alert_detail.html", context)


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
