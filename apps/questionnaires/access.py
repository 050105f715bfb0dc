"""Who may open an administration.

A client reaches only administrations of their own treatments; a visitor with a
signed link reaches only the one administration the link names (session scope,
never a sign-in). Staff read administrations through `treatment_get_for_user`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest

from apps.care.access import treatments_visible_to
from apps.questionnaires import links
from apps.questionnaires.models import Administration


def administration_get_for_client(*, user, administration_id: int, write: bool) -> Administration:
    """The administration if it belongs to one of ``user``'s own treatments, else 404."""
    if not user.is_authenticated or not user.is_client:
        raise Http404("No such questionnaire.")
    try:
        return Administration.objects.select_related(
            "treatment__service", "treatment__pwp", "treatment__client"
        ).get(
            pk=administration_id,
            treatment__in=treatments_visible_to(user, write=write).filter(client=user),
        )
    except (Administration.DoesNotExist, ValueError, TypeError):
        raise Http404("No such questionnaire.") from None


def client_or_link(*, result_page: bool = False):
    """View decorator: the signed-in client who owns it, or the session's link scope.

    Passes the administration to the view as ``administration`` (and
    ``via_link``). Anonymous visitors without a scope for this id are sent to
    sign in; a signed-in user who does not own it gets 404.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, administration_id: int, *args, **kwargs):
            candidate = (
                Administration.objects.select_related(
                    "treatment__service", "treatment__pwp", "treatment__client"
                )
                .filter(pk=administration_id)
                .first()
            )
            if candidate is not None and (
                links.scope_allows(request, candidate)
                or (result_page and links.scope_shows_result(request, candidate))
            ):
                kwargs.update(administration=candidate, via_link=True)
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            administration = administration_get_for_client(
                user=request.user,
                administration_id=administration_id,
                write=request.method == "POST",
            )
            kwargs.update(administration=administration, via_link=False)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
