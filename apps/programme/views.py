from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.care.access import client_current_treatment, role_required


@require_GET
@role_required(Role.CLIENT)
def home(request: HttpRequest) -> HttpResponse:
    treatment = client_current_treatment(request.user)
    return render(request, "programme/home.html", {"treatment": treatment})
