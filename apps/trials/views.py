from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.care.models import TreatmentStatus
from apps.trials.selectors import recruitment_by_service


@require_GET
@role_required(Role.TRIAL_MANAGER, Role.ADMIN)
def overview(request: HttpRequest) -> HttpResponse:
    services = recruitment_by_service()
    return render(
        request,
        "trials/overview.html",
        {"services": services, "statuses": TreatmentStatus.choices},
    )
