"""Who may handle a client's data-protection requests.

- Copies of data (subject access): an administrator, for any client; a
  supervisor, for a client with a treatment in a service they supervise.
  They ask for a copy, download it, and release (or decline) one the client
  asked for. Not the client's PWP: the copy holds more than their caseload
  view, and releasing health data needs a senior decision (docs/privacy.md).
- Erasure and anonymisation (`erasure=True`): administrators only; a second
  administrator decides (`services.erasure_request_decide`).
- A client: their own copies only, downloadable once released.

Everything else gets 404, so a guessed ID reveals nothing.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.care.access import supervised_service_ids
from apps.care.models import Treatment
from apps.privacy.models import ErasureRequest, SubjectAccessRequest


def may_handle_requests(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.is_supervisor)
    )


def privacy_clients_for(user: User) -> QuerySet[User]:
    """Clients whose copies `user` may handle: all for an admin, their services'
    for a supervisor, none for anyone else."""
    if not may_handle_requests(user):
        return User.objects.none()
    clients = User.objects.filter(is_client=True)
    if user.is_superuser:
        return clients
    served = Treatment.objects.filter(service_id__in=supervised_service_ids(user))
    return clients.filter(pk__in=served.values("client_id"))


def privacy_client_get(*, user: User, client_id: int, erasure: bool) -> User:
    """The client `client_id` if `user` may handle their requests, else 404.

    `erasure=True`: anonymising or erasing them (administrators only);
    `erasure=False`: copies of their data (administrators and their services'
    supervisors).
    """
    if erasure and not (user.is_authenticated and user.is_active and user.is_superuser):
        raise Http404("No such client.")
    try:
        return privacy_clients_for(user).get(pk=client_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such client.") from None


def access_request_get_for_staff(*, user: User, request_id) -> SubjectAccessRequest:
    """A copy of a client's data that `user` may handle (see the module docstring), else 404."""
    try:
        return (
            SubjectAccessRequest.objects.select_related("client", "requested_by", "released_by")
            .filter(client__in=privacy_clients_for(user))
            .get(pk=request_id)
        )
    except (SubjectAccessRequest.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such copy.") from None


def access_request_get_for_client(*, user: User, request_id) -> SubjectAccessRequest:
    """The signed-in client's own copy, else 404 (whether it may be downloaded yet
    is the caller's check: `client_may_download()`)."""
    if not (user.is_authenticated and user.is_active and user.is_client):
        raise Http404("No such copy.")
    try:
        return SubjectAccessRequest.objects.get(pk=request_id, client=user)
    except (SubjectAccessRequest.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such copy.") from None


def erasure_request_get_for_user(*, user: User, erasure_id: int) -> ErasureRequest:
    """An erasure request, for an administrator only, else 404."""
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        raise Http404("No such request.")
    try:
        return ErasureRequest.objects.select_related("client", "requested_by", "decided_by").get(
            pk=erasure_id
        )
    except (ErasureRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such request.") from None
