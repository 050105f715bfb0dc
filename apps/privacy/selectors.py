"""Reads for the data-protection pages, with related rows loaded."""

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.care.models import Treatment
from apps.privacy.access import privacy_clients_for
from apps.privacy.models import (
    ErasureRequest,
    ErasureStatus,
    ReleaseState,
    SubjectAccessRequest,
)

RECENT = 20


def copies_of(client: User) -> QuerySet[SubjectAccessRequest]:
    return SubjectAccessRequest.objects.filter(client=client).select_related(
        "requested_by", "released_by"
    )


def copies_awaiting_release(user: User) -> QuerySet[SubjectAccessRequest]:
    """Copies clients asked for that `user` may release, oldest deadline first."""
    return (
        SubjectAccessRequest.objects.filter(
            client__in=privacy_clients_for(user), release_state=ReleaseState.AWAITING
        )
        .select_related("client")
        .order_by("due_by", "created_at")
    )


def erasure_requests_pending() -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.filter(status=ErasureStatus.PENDING)
        .select_related("client", "requested_by")
        .order_by("requested_at")
    )


def erasure_requests_decided() -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.exclude(status=ErasureStatus.PENDING)
        .select_related("client", "requested_by", "decided_by")
        .order_by("-decided_at")[:RECENT]
    )


def treatments_of(client: User) -> QuerySet[Treatment]:
    return Treatment.objects.filter(client=client).select_related("service").order_by("start_date")
