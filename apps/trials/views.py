"""Trial manager pages: the overview and the export flow.

Export flow (DESIGN.md rule 23): choose → check answers ("2,341 rows,
pseudonymised") → "Confirm and export" → the job page with a success banner,
which shows the download link once the file is ready. Every step that reads
research data is written to the data access log.
"""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.care.models import Treatment, TreatmentStatus
from apps.core.charts import build_scatter_chart
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.earlywarning.report import dropout_report
from apps.trials import charts, exporters, selectors
from apps.trials.access import export_job_get_for_user, export_jobs_visible_to
from apps.trials.adherence import Scope, active_modules
from apps.trials.forms import ExportForm
from apps.trials.models import AccessAction, Dataset, FileFormat
from apps.trials.services import (
    data_access_record,
    export_job_approve,
    export_job_create,
    export_job_file,
)

research_only = role_required(Role.TRIAL_MANAGER, Role.ADMIN)

FUNNEL_LABELS = {
    "enrolled": gettext_lazy("Enrolled"),
    "started": gettext_lazy("Started the programme"),
    "completed_course": gettext_lazy("Completed the course"),
}


@require_GET
@research_only
def overview(request: HttpRequest) -> HttpResponse:
    data = selectors.overview()
    overall = data.overall
    modules = active_modules()
    funnel = charts.bar_rows(
        [(str(FUNNEL_LABELS[k]), v) for k, v in overall.funnel], total=overall.enrolled
    )
    service_funnels = [
        {
            "code": code,
            "rows": charts.bar_rows(
                [(str(FUNNEL_LABELS[k]), v) for k, v in s.funnel], total=s.enrolled
            ),
        }  # fmt: skip
        for code, s in data.services.items()
    ]
    module_rows = [
        {
            "title": m.title,
            "mandatory": m.mandatory,
            "started": overall.module_started[m.slug],
            "completed": overall.module_completed[m.slug],
            "bar": charts.bar_rows(
                [(m.title, overall.module_completed[m.slug])], total=overall.enrolled
            )[0],  # fmt: skip
        }
        for m in modules
    ]
    change_rows = charts.bar_rows(charts.change_distribution(data.phq9_changes))
    # Fixed axes: the WAI-SF-C range with its bands (the study's low, medium and
    # high), and every possible PHQ-9 change.
    scatter = build_scatter_chart(
        [(wai, change) for _pid, wai, change in data.alliance],
        x_range=(12, 60),
        y_range=(-27, 27),
        x_ticks=(12, 20, 28, 36, 44, 52, 60),
        y_ticks=(-27, -18, -9, 0, 9, 18, 27),
        x_bands=(
            (12, 28.5, _("low")),
            (28.5, 44.5, _("medium")),
            (44.5, 60, _("high")),
        ),
    )
    data_access_record(
        user=request.user,
        action=AccessAction.PAGE_VIEWED,
        resource="overview",
        row_count=overall.enrolled,
    )
    return render(
        request,
        "trials/overview.html",
        {
            "services": selectors.recruitment_by_service(),
            "statuses": TreatmentStatus.choices,
            "recruitment_charts": selectors.recruitment_charts(),
            "overall": overall,
            "per_service": data.services,
            "funnel": funnel,
            "service_funnels": service_funnels,
            "module_rows": module_rows,
            "change_rows": change_rows,
            "phq9_n": len(data.phq9_changes),
            "phq9_mean_change": data.phq9_mean_change,
            "categories": data.categories,
            "alliance": data.alliance,
            "scatter": scatter,
            "correlation": data.correlation,
            "hours_on_platform": round(overall.totals["seconds_on_platform"] / 3600, 1),
        },
    )


@require_GET
@research_only
def warning_report(request: HttpRequest) -> HttpResponse:
    """How each early-warning rule preceded dropout, by participant ID (descriptive)."""
    report = dropout_report(list(Treatment.objects.order_by("participant_id")))
    data_access_record(
        user=request.user,
        action=AccessAction.PAGE_VIEWED,
        resource="early_warning_report",
        row_count=report.participants,
    )
    return render(request, "trials/warning_report.html", {"report": report})


def _form(request, data=None) -> ExportForm:
    return ExportForm(data, user=request.user)


@require_GET
@research_only
def exports(request: HttpRequest) -> HttpResponse:
    # "Change" links come back here with the answers in the query string.
    form = _form(request, request.GET if "dataset" in request.GET else None)
    if form.is_bound:
        form.is_valid()
    jobs = export_jobs_visible_to(request.user).select_related("requested_by")[:20]
    return render(request, "trials/exports.html", {"form": form, "jobs": jobs})


def _scope(form: ExportForm) -> Scope:
    data = form.cleaned_data
    return Scope(
        service_ids=tuple(sorted(s.pk for s in data["services"])),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        include_free_text=bool(data.get("include_free_text")),
    )


@require_POST
@research_only
def export_check(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST)
    if not form.is_valid():
        jobs = export_jobs_visible_to(request.user)[:20]
        return render(
            request,
            "trials/exports.html",
            {"form": form, "jobs": jobs, "page_has_errors": True},
        )
    data = form.cleaned_data
    rows = exporters.count_rows(data["dataset"], _scope(form))
    return render(
        request,
        "trials/export_check.html",
        {
            "form": form,
            "rows": rows,
            "dataset_label": dict(Dataset.choices)[data["dataset"]],
            "format_label": dict(FileFormat.choices)[data["file_format"]],
            "services": data["services"],
            "change_query": request.POST.urlencode(),
        },
    )


@require_POST
@research_only
def export_confirm(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST)
    if not form.is_valid():
        return redirect("trials:exports")
    try:
        job = export_job_create(
            user=request.user,
            dataset=form.cleaned_data["dataset"],
            file_format=form.cleaned_data["file_format"],
            scope=_scope(form),
            purpose=form.cleaned_data.get("purpose", ""),
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return render(
            request,
            "trials/exports.html",
            {
                "form": form,
                "jobs": export_jobs_visible_to(request.user)[:20],
                "page_has_errors": True,
            },  # fmt: skip
        )
    if job.awaits_approval:
        messages.success(
            request,
            _(
                "Export requested. Free text is included, so a second administrator must "
                "approve it before it is made. The request is logged."
            ),
        )
    else:
        messages.success(
            request, _("Export started. It is pseudonymised and the request is logged.")
        )
    return redirect("trials:export_job", job_id=job.pk)


@require_POST
@role_required(Role.ADMIN)
def export_approve(request: HttpRequest, job_id) -> HttpResponse:
    """A second administrator approves a free-text export."""
    job = export_job_get_for_user(user=request.user, job_id=job_id)
    try:
        export_job_approve(user=request.user, job=job)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved. The export is being made."))
    return redirect("trials:export_job", job_id=job.pk)


@require_GET
@research_only
def export_job(request: HttpRequest, job_id) -> HttpResponse:
    job = export_job_get_for_user(user=request.user, job_id=job_id)
    template = "trials/export_job.html"
    if request.htmx:
        template += "#status"
    may_approve = (
        job.awaits_approval and request.user.is_superuser and job.requested_by_id != request.user.pk
    )
    return render(request, template, {"job": job, "may_approve": may_approve})


@require_GET
@research_only
def export_download(request: HttpRequest, job_id) -> HttpResponse:
    job = export_job_get_for_user(user=request.user, job_id=job_id)
    if job.is_gone:
        return render(request, "trials/export_job.html", {"job": job}, status=410)
    if not job.is_ready:
        return redirect(reverse("trials:export_job", kwargs={"job_id": job.pk}))
    stream = export_job_file(user=request.user, job=job)
    response = FileResponse(stream, as_attachment=True, filename=job.download_name())
    if job.file_size is not None:
        response["Content-Length"] = job.file_size
    return response
