"""Who may open an administration.

A client reaches only administrations of their own treatments, and never the
practitioner's questionnaires (WAI-SF-T); a visitor with a signed link reaches
only the one administration the link names (session scope, never a sign-in).
A practitioner's questionnaire is answered only by the treatment's own PWP.
Staff read administrations through `treatment_get_for_user`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest

from apps.care.access import treatments_visible_to
from apps.questionnaires import links
from apps.questionnaires.catalogue import practitioner_instruments
from apps.questionnaires.models import Administration


def administration_get_for_client(*, user, administration_id: int, write: bool) -> Administration:
    """The administration if it belongs to one of ``user``'s own treatments and is the
    client's to answer, else 404 (a practitioner's questionnaire is never the client's)."""
    if not user.is_authenticated or not user.is_client:
        raise Http404("No such questionnaire.")
    try:
        return (
            Administration.objects.select_related(
                "treatment__service", "treatment__pwp", "treatment__client"
            )
            .exclude(instrument__in=practitioner_instruments())
            .get(
                pk=administration_id,
                treatment__in=treatments_visible_to(user, write=write).filter(client=user),
            )
        )
    except (Administration.DoesNotExist, ValueError, TypeError):
        raise Http404("No such questionnaire.") from None


def administration_get_for_practitioner(
    *, user, administration_id: int, write: bool
) -> Administration:
    """A practitioner's questionnaire (WAI-SF-T) of a client on ``user``'s own caseload.

    Only the treatment's PWP answers it and opens its result: another PWP, a
    supervisor, an admin or the client get 404, as do the client's own
    questionnaires. ``write`` as in ``treatments_visible_to`` (True to answer).
    Raises Http404.
    """
    if not user.is_authenticated or not user.is_pwp:
        raise Http404("No such questionnaire.")
    try:
        return Administration.objects.select_related(
            "treatment__service", "treatment__pwp", "treatment__client"
        ).get(
            pk=administration_id,
            instrument__in=practitioner_instruments(),
            treatment__in=treatments_visible_to(user, write=write).filter(pwp=user),
        )
    except (Administration.DoesNotExist, ValueError, TypeError):
        raise Http404("No such questionnaire.") from None


def practitioner_only(view):
    """View decorator: the administration (``practitioner_administration_id``) must be a
    practitioner's questionnaire of the signed-in PWP's own client; passes
    ``administration`` on. Anonymous visitors are sent to sign in; everyone else gets 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, practitioner_administration_id: int, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        kwargs["administration"] = administration_get_for_practitioner(
            user=request.user,
            administration_id=practitioner_administration_id,
            write=request.method == "POST",
        )
        return view(request, *args, **kwargs)

    return wrapped


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
            if candidate is not None and candidate.instrument in practitioner_instruments():
                candidate = None  # never the client's (nor a link's) to open
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
