"""Small display helpers for the workspace templates."""

from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from apps.care.selectors import client_home_care_context

register = template.Library()


@register.simple_tag
def query_with(filters: dict, **changes) -> str:
    """The caseload query string with some values changed ("?status=open&sort=name")."""
    params = {
        "status": filters.get("status", "open"),
        "sort": filters.get("sort", "attention"),
    }
    if filters.get("inactive_only"):
        params["inactive"] = "on"
    for key, value in changes.items():
        if value in (None, "", False):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params)


@register.filter
def ago(moment) -> str:
    """ "3 days ago" (or "today"), for the relative half of a date."""
    if not moment:
        return ""
    now = timezone.now()
    if now - moment < timezone.timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


@register.simple_tag(takes_context=True)
def client_home_care(context, treatment):
    """The care part of the client home: the view's `care` dict when it passes one,
    else computed here (two queries) so the home slot works on its own."""
    care = context.get("care")
    if isinstance(care, dict) and "upcoming_sessions" in care:
        return care
    return client_home_care_context(treatment=treatment)
