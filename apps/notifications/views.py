from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Role
from apps.accounts.services import user_time_zone_set
from apps.care.access import role_required
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error
from apps.notifications.forms import PreferenceForm, StaffPreferenceForm
from apps.notifications.selectors import preference_for
from apps.notifications.services import preference_update


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def preferences(request: HttpRequest) -> HttpResponse:
    """The client's own message choices. Only ever their own row."""
    pref = preference_for(request.user)
    quiet_start, quiet_end = pref.quiet_hours
    form = PreferenceForm(
        request.POST if request.method == "POST" else None,
        instance=pref,
        user=request.user,
        # Empty in the row while they follow their service's: show those.
        initial={"quiet_hours_start": quiet_start, "quiet_hours_end": quiet_end},
    )
    if request.method == "POST" and form.is_valid():
        choices = dict(form.cleaned_data)
        time_zone = choices.pop("time_zone")
        try:
            # Both or neither: a refused choice leaves the zone unchanged too.
            with transaction.atomic():
                user_time_zone_set(user=request.user, time_zone=time_zone)
                preference_update(user=request.user, **choices)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Your choices are saved. They apply straight away."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "service_quiet_hours": pref.service_quiet_hours,
            "own_quiet_hours": pref.has_own_quiet_hours,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PWP, Role.SUPERVISOR)
def staff_preferences(request: HttpRequest) -> HttpResponse:
    """A staff member's own email choices (risk alerts always go out)."""
    pref = preference_for(request.user)
    form = StaffPreferenceForm(request.POST if request.method == "POST" else None, instance=pref)
    if request.method == "POST" and form.is_valid():
        preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your choices are saved. They apply straight away."))
        return redirect("notifications:staff_preferences")
    return render(
        request,
        "notifications/staff_preferences.html",
        {"form": form, "page_has_errors": bool(form.errors)},
    )
