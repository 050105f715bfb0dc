"""Consent per client: record it, withdraw it, ask about it.

Three withdrawals a client can make, and what each one stops:

- "stop treatment" (`WITHDRAW_TREATMENT`): consent to treatment is withdrawn;
  the workspace records the step that closes the treatment;
- "stop follow-up contact" (`WITHDRAW_FOLLOW_UP`): no follow-up questionnaires
  are planned or sent from now on;
- "withdraw data from research" (`WITHDRAW_RESEARCH`): consent to research use
  and to trial participation are withdrawn; the participant leaves every trial
  export and the research API from then on.

Text messages follow their own consent (`ConsentKind.TEXT_MESSAGES`).
Callers check access first.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import Consent, ConsentKind
from apps.core.errors import DomainError

WITHDRAW_TREATMENT = "stop_treatment"
WITHDRAW_FOLLOW_UP = "stop_follow_up"
WITHDRAW_RESEARCH = "withdraw_research"
WITHDRAWALS = {
    WITHDRAW_TREATMENT: (ConsentKind.TREATMENT,),
    WITHDRAW_FOLLOW_UP: (ConsentKind.FOLLOW_UP,),
    WITHDRAW_RESEARCH: (ConsentKind.RESEARCH_DATA, ConsentKind.TRIAL),
}


def has_consent(client: User, kind: str) -> bool:
    """False only when the client withdrew (or refused) consent of `kind`."""
    return not Consent.objects.filter(client=client, kind=kind, given=False).exists()


def consent_state(client: User) -> dict[str, Consent | None]:
    rows = {c.kind: c for c in Consent.objects.filter(client=client).select_related("recorded_by")}
    return {kind: rows.get(kind) for kind in ConsentKind.values}


@transaction.atomic
def consent_record(
    *,
    actor: User,
    client: User,
    kind: str,
    given: bool,
    version: str,
    decided_on: datetime.date | None = None,
) -> Consent:
    if kind not in ConsentKind.values:
        raise DomainError(_("Choose which consent this is."), field="kind")
    version = version.strip()
    if not version:
        raise DomainError(_("Enter the version of the information sheet."), field="version")
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="decided_on")
    consent, _created = Consent.objects.update_or_create(
        client=client,
        kind=kind,
        defaults={
            "given": given,
            "version": version,
            "decided_on": decided_on,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, client: User, withdrawal: str, version: str = "") -> list:
    """Record one of the three withdrawals; returns the consents it changed."""
    if withdrawal not in WITHDRAWALS:
        raise DomainError(_("Choose what the client is withdrawing from."), field="withdrawal")
    changed = []
    for kind in WITHDRAWALS[withdrawal]:
        current = Consent.objects.filter(client=client, kind=kind).first()
        changed.append(
            consent_record(
                actor=actor,
                client=client,
                kind=kind,
                given=False,
                version=version or (current.version if current else "not recorded"),
            )
        )
    return changed
