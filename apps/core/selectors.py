"""Reads of the audit trail shown to people (the client's access history)."""

from django.db.models import QuerySet

from apps.core.models import AccessEvent


def record_opened_by(*, client) -> QuerySet[AccessEvent]:
    """Times someone other than `client` opened their data, newest first.

    Each names the person (`actor`) and `role_name`; no address is kept.
    Questionnaire links the client opened without signing in are their own.
    """
    return (
        AccessEvent.objects.filter(subject_rows__client_id=client.pk)
        .exclude(actor=None)
        .exclude(actor=client)
        .select_related("actor")
        .only("at", "actor_role", "view", "actor__first_name", "actor__last_name", "actor__email")
        .distinct()
        .order_by("-at", "-pk")
    )
