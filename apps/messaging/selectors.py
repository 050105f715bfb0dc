"""Reads for messages. Lists are scoped through apps.care.access."""

from collections.abc import Iterable

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.care.access import treatments_visible_to
from apps.care.models import Treatment
from apps.messaging.models import Message


def thread_for(*, treatment: Treatment) -> QuerySet[Message]:
    """The treatment's conversation, oldest first. The caller checked access."""
    return Message.objects.filter(treatment=treatment).select_related("sender")


def unread_counts_for_treatments(treatment_ids: Iterable[int]) -> dict[int, int]:
    """{treatment_id: messages from the client not yet seen by the PWP}. One query.

    Callers pass IDs already scoped to the user (e.g. their caseload).
    """
    rows = (
        Message.objects.filter(
            treatment_id__in=list(treatment_ids), from_client=True, read_at__isnull=True
        )
        .values("treatment_id")
        .annotate(n=Count("id"))
    )
    return {r["treatment_id"]: r["n"] for r in rows}


def unread_for_staff_expression() -> Subquery:
    """ORM expression: unread client messages of OuterRef("pk") (a Treatment)."""
    return Coalesce(
        Subquery(
            Message.objects.filter(treatment=OuterRef("pk"), from_client=True, read_at__isnull=True)
            .order_by()
            .values("treatment")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def inbox_for_staff(*, user: User) -> list[Treatment]:
    """Threads the staff member may read, unread first, then most recent. One query.

    A PWP sees their caseload; a supervisor their services. Each treatment has
    `unread` (client messages not yet seen), `last_message_at` and
    `message_count`. Treatments without any message are left out.
    """
    visible = treatments_visible_to(user, write=False)
    if user.is_pwp and not (user.is_supervisor or user.is_superuser):
        visible = visible.filter(pwp=user)
    treatments = (
        visible.select_related("client", "pwp")
        .annotate(
            message_count=Count("messages"),
            unread=Count(
                "messages",
                filter=Q(messages__from_client=True, messages__read_at__isnull=True),
            ),
            last_message_at=Max("messages__created_at"),
        )
        .filter(message_count__gt=0)
    )
    return sorted(
        treatments,
        key=lambda t: (t.unread == 0, -(t.last_message_at.timestamp())),
    )
