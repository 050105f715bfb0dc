"""Writes: a PWP marks a client's warnings "seen, plan made"."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import DomainError

from .models import WarningReview
from .rules import snapshot
from .selectors import facts_for, reasons_for


@transaction.atomic
def warnings_mark_seen(*, treatment, user, note: str) -> WarningReview:
    """Remember today's reasons (key and severity) with the PWP's plan.

    The treatment must already be access-checked for writing.
    """
    note = (note or "").strip()
    if not note:
        raise DomainError("Write the plan you made.", field="note", code="required")
    now = timezone.now()
    reasons = reasons_for([treatment], facts_for([treatment], at=now))[treatment.pk]
    if not reasons:
        raise DomainError("Nothing needs attention for this client now.", code="nothing")
    return WarningReview.objects.create(
        treatment=treatment,
        reviewed_by=user,
        note=note,
        seen=snapshot(reasons),
        reasons=[r.text for r in reasons],
        created_at=now,
    )
