"""Signed, single-use, expiring links that open one questionnaire without signing in.

The token signs the administration id and the nonce stored on it. A link works
only while: the signature is valid and younger than QUESTIONNAIRE_LINK_MAX_AGE_DAYS,
the nonce still matches (completing the questionnaire clears it, so the link is
single-use), and the administration's window has not closed. Opening a link
puts a scope in the session naming that one administration; it never signs
anyone in, so every other page still asks for sign-in.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.questionnaires.catalogue import practitioner_instruments
from apps.questionnaires.models import ANSWERABLE_STATUSES, Administration, AdministrationStatus

SALT = "tandem.questionnaires.administration-link"
SESSION_KEY = "questionnaire_link"
DONE_SESSION_KEY = "questionnaire_link_done"


def link_token_for(administration: Administration) -> str:
    """A token for ``administration``; gives it a nonce first if it has none.

    Callers must save the administration when the nonce was created.
    """
    if not administration.link_nonce:
        administration.link_nonce = secrets.token_urlsafe(16)
        administration.save(update_fields=["link_nonce", "updated_at"])
    return signing.dumps({"a": administration.pk, "n": administration.link_nonce}, salt=SALT)


def link_url_for(administration: Administration) -> str:
    """Absolute URL of the signed link (for emails)."""
    path = reverse("questionnaires:link", args=[link_token_for(administration)])
    return settings.SITE_URL.rstrip("/") + path


def administration_for_token(token: str) -> Administration | None:
    """The administration a valid, unused, unexpired token opens, else None."""
    try:
        data = signing.loads(
            token, salt=SALT, max_age=settings.QUESTIONNAIRE_LINK_MAX_AGE_DAYS * 86400
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    administration = (
        Administration.objects.select_related("treatment__client").filter(pk=data["a"]).first()
    )
    if administration is None or not _usable(administration, data.get("n")):
        return None
    return administration


def _usable(administration: Administration, nonce) -> bool:
    return (
        bool(administration.link_nonce)
        and isinstance(nonce, str)
        and secrets.compare_digest(administration.link_nonce, nonce)
        and administration.status in (AdministrationStatus.SCHEDULED, *ANSWERABLE_STATUSES)
        # A deactivated client's links stop working.
        and administration.treatment.client.is_active
        and timezone.now() < administration.due_until
        # The practitioner's questionnaire (WAI-SF-T) never opens by a client's link.
        and administration.instrument not in practitioner_instruments()
    )


def grant_scope(request: HttpRequest, administration: Administration) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "administration_id": administration.pk,
        "nonce": administration.link_nonce,
    }


def scope_allows(request: HttpRequest, administration: Administration) -> bool:
    """True when the session's link scope names this administration and is still usable."""
    scope = request.session.get(SESSION_KEY)
    if not isinstance(scope, dict) or scope.get("administration_id") != administration.pk:
        return False
    return _usable(administration, scope.get("nonce"))


def scope_finish(request: HttpRequest, administration: Administration) -> None:
    """After completion: drop the scope, allow only this result page."""
    request.session.pop(SESSION_KEY, None)
    request.session[DONE_SESSION_KEY] = administration.pk


def scope_shows_result(request: HttpRequest, administration: Administration) -> bool:
    return request.session.get(DONE_SESSION_KEY) == administration.pk
