"""Writes for data-protection requests: copies of a client's data and erasure.

Copies (subject access): `access_request_create` records the request and
queues `tasks.access_request_produce` after commit; the task calls
`access_request_produce`, which writes the ZIP (`bundle.bundle_write`) to the
export storage. A copy the client asked for waits until a member of staff
releases it (`access_request_release`) or says why not (`access_request_decline`).
Each step, and every download, is a `PrivacyEvent`.

Erasure: `erasure_request_create` (an administrator, with a reason), then
`erasure_request_decide` by a different administrator, which on approval
carries it out in the same transaction (`erasure.client_anonymise` or
`erasure.client_erase`).

Callers check access first (`apps.privacy.access`).
"""

from __future__ import annotations

import calendar
import datetime
import os
import tempfile

import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import OPEN_STATUSES, Treatment
from apps.core.errors import DomainError
from apps.core.storage import export_storage, open_stream
from apps.notifications.services import notification_schedule
from apps.privacy import bundle
from apps.privacy.erasure import client_anonymise, client_erase, research_exemption_applies
from apps.privacy.models import (
    ErasureKind,
    ErasureRequest,
    ErasureStatus,
    PrivacyAction,
    PrivacyEvent,
    ReleaseState,
    SarStatus,
    SubjectAccessRequest,
)
from apps.privacy.notify import DATA_COPY_READY
from apps.safety.models import RiskAlert, RiskAlertStatus

log = structlog.get_logger(__name__)

REASON_MIN_LENGTH = 10
COPY_FOLDER = "data-copies"


def privacy_event_record(
    *,
    action: str,
    actor: User | None = None,
    client_id: int | None = None,
    access_request: SubjectAccessRequest | None = None,
    erasure_request: ErasureRequest | None = None,
    detail: dict | None = None,
) -> PrivacyEvent:
    """Append one step to the privacy audit (sealed into the hash chain on save)."""
    return PrivacyEvent.objects.create(
        action=action,
        actor=actor,
        client_id=client_id,
        access_request=access_request,
        erasure_request=erasure_request,
        detail=detail or {},
    )


def copy_days() -> int:
    return settings.RETENTION_DAYS["data_copies"]


def one_month_after(day: datetime.date) -> datetime.date:
    """The same day next month, or that month's last day (31 January → 28 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


# --- Copies of a client's data --------------------------------------------------


@transaction.atomic
def access_request_create(*, actor: User, client: User) -> SubjectAccessRequest:
    """Record a request for a copy of everything held about `client` and queue it.

    `actor` is the client themself (the copy then waits for release by staff)
    or a member of staff the caller has checked. Raises DomainError when
    `client` is not a client or a copy of theirs is still being made.
    """
    if not client.is_client:
        raise DomainError(_("Copies of data are made for clients only."))
    waiting = SubjectAccessRequest.objects.filter(
        client=client, status__in=[SarStatus.PENDING, SarStatus.RUNNING]
    )
    if waiting.exists():
        raise DomainError(_("A copy is already being made. It will appear here when it is ready."))
    by_client = actor.pk == client.pk
    request = SubjectAccessRequest(
        client=client,
        requested_by=actor,
        due_by=one_month_after(timezone.localdate()),
        release_state=ReleaseState.AWAITING if by_client else ReleaseState.NOT_NEEDED,
    )
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # a second click at the same moment
        raise DomainError(
            _("A copy is already being made. It will appear here when it is ready.")
        ) from None
    privacy_event_record(
        action=PrivacyAction.SAR_REQUESTED,
        actor=actor,
        client_id=client.pk,
        access_request=request,
        detail={"by_client": by_client},
    )
    request_id = str(request.pk)
    transaction.on_commit(lambda: _produce_later(request_id))
    return request


def _produce_later(request_id: str) -> None:
    # why: the tasks module imports this one (its task calls access_request_produce).
    from apps.privacy.tasks import access_request_produce as task

    task.delay(request_id)


def access_request_produce(*, request_id) -> SubjectAccessRequest | None:
    """Write the ZIP of one request. Runs once: the row is claimed with a
    conditional update, so a task delivered twice does nothing the second time.

    Returns None when the request is gone or already claimed. A failure marks
    it failed (the page says so; staff ask again) and leaves no file.
    """
    now = timezone.now()
    claimed = SubjectAccessRequest.objects.filter(pk=request_id, status=SarStatus.PENDING).update(
        status=SarStatus.RUNNING, started_at=now
    )
    if claimed != 1:
        return None
    request = SubjectAccessRequest.objects.select_related("client").get(pk=request_id)
    storage = export_storage()
    fd, local = tempfile.mkstemp(suffix=".zip.part")
    os.close(fd)
    name = ""
    try:
        with open(local, "wb") as fh:
            counts = bundle.bundle_write(client=request.client, fileobj=fh, made_at=now)
        size = os.path.getsize(local)
        with open(local, "rb") as fh:
            name = storage.save(f"{COPY_FOLDER}/{request.pk}.zip", File(fh))
    except Exception as exc:
        if name:
            storage.delete(name)
        SubjectAccessRequest.objects.filter(pk=request.pk).update(
            status=SarStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__
        )
        privacy_event_record(
            action=PrivacyAction.SAR_FAILED,
            client_id=request.client_id,
            access_request=request,
            detail={"error": type(exc).__name__},
        )
        log.exception("data_copy_failed", request_id=str(request.pk))
        request.refresh_from_db()
        return request
    finally:
        os.unlink(local)
    finished = timezone.now()
    with transaction.atomic():
        # Conditional: an erasure approved meanwhile retired the request.
        done = SubjectAccessRequest.objects.filter(pk=request.pk, status=SarStatus.RUNNING).update(
            status=SarStatus.READY,
            file_name=name,
            file_size=size,
            row_counts=counts,
            finished_at=finished,
            expires_at=finished + datetime.timedelta(days=copy_days()),
        )
        if done:
            privacy_event_record(
                action=PrivacyAction.SAR_PRODUCED,
                client_id=request.client_id,
                access_request=request,
                detail={"rows": sum(counts.values()), "size": size},
            )
    if not done:
        storage.delete(name)
    log.info("data_copy_ready", request_id=str(request.pk), rows=sum(counts.values()))
    request.refresh_from_db()
    return request


def _locked(request: SubjectAccessRequest) -> SubjectAccessRequest:
    return SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def access_request_release(*, actor: User, access_request: SubjectAccessRequest):
    """Release a copy the client asked for: they may download it, and are emailed.

    The copy stays downloadable for the retention period from now. Raises
    DomainError when it is not a client's own request waiting for release, or
    the copy is not ready (staff look at it before releasing it).
    """
    request = _locked(access_request)
    if request.release_state != ReleaseState.AWAITING:
        raise DomainError(_("This copy is not waiting to be released."))
    if actor.pk == request.client_id:
        raise PermissionDenied
    if not request.is_downloadable():
        raise DomainError(_("The copy is not ready. Check it before you release it."))
    now = timezone.now()
    request.release_state = ReleaseState.RELEASED
    request.released_by = actor
    request.released_at = now
    request.expires_at = max(request.expires_at, now + datetime.timedelta(days=copy_days()))
    request.full_clean()
    request.save(update_fields=["release_state", "released_by", "released_at", "expires_at"])
    privacy_event_record(
        action=PrivacyAction.SAR_RELEASED,
        actor=actor,
        client_id=request.client_id,
        access_request=request,
    )
    notification_schedule(
        recipient=request.client,
        kind=DATA_COPY_READY,
        due_at=now,
        dedupe_key=f"{DATA_COPY_READY}:{request.pk}",
        object=request,
    )
    return request


@transaction.atomic
def access_request_decline(
    *, actor: User, access_request: SubjectAccessRequest, reason: str
) -> SubjectAccessRequest:
    """Do not release a copy the client asked for; the client sees `reason`.

    Raises DomainError when it is not waiting for release or the reason is
    missing.
    """
    request = _locked(access_request)
    if request.release_state != ReleaseState.AWAITING:
        raise DomainError(_("This copy is not waiting to be released."))
    if actor.pk == request.client_id:
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(_("Explain to the client why the copy is not released."), field="reason")
    request.release_state = ReleaseState.DECLINED
    request.released_by = actor
    request.released_at = timezone.now()
    request.decline_reason = reason
    request.full_clean()
    request.save(update_fields=["release_state", "released_by", "released_at", "decline_reason"])
    privacy_event_record(
        action=PrivacyAction.SAR_DECLINED,
        actor=actor,
        client_id=request.client_id,
        access_request=request,
    )
    return request


def access_request_file(*, actor: User, access_request: SubjectAccessRequest):
    """The copy's ZIP, open for reading as a stream, recording the download.

    The caller checks access and `is_downloadable()` (or `client_may_download()`)
    first, and closes the stream (FileResponse does).
    """
    stream = open_stream(export_storage(), access_request.file_name)
    privacy_event_record(
        action=PrivacyAction.SAR_DOWNLOADED,
        actor=actor,
        client_id=access_request.client_id,
        access_request=access_request,
        detail={"by_client": actor.pk == access_request.client_id},
    )
    return stream


def _retire(request: SubjectAccessRequest, *, actor: User | None, why: str) -> None:
    if request.file_name:
        export_storage().delete(request.file_name)  # no error when already gone
    SubjectAccessRequest.objects.filter(pk=request.pk).update(status=SarStatus.EXPIRED)
    privacy_event_record(
        action=PrivacyAction.SAR_EXPIRED,
        actor=actor,
        client_id=request.client_id,
        access_request=request,
        detail={"why": why},
    )


def access_requests_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of copies past their expiry and mark them expired."""
    now = now or timezone.now()
    expired = 0
    for request in SubjectAccessRequest.objects.filter(status=SarStatus.READY, expires_at__lte=now):
        with transaction.atomic():
            _retire(request, actor=None, why="retention")
        expired += 1
    return expired


def _access_requests_retire_for(*, client: User, actor: User) -> int:
    """Erasure: every copy of the client's data is deleted; one being made is stopped."""
    requests = SubjectAccessRequest.objects.filter(
        client=client, status__in=[SarStatus.PENDING, SarStatus.RUNNING, SarStatus.READY]
    )
    n = 0
    for request in requests:
        _retire(request, actor=actor, why="erasure")
        n += 1
    return n


# --- Erasure and anonymisation ---------------------------------------------------


def erasure_blockers(client: User) -> list[str]:
    """Why `client` cannot be anonymised or erased now (empty: nothing in the way)."""
    problems = []
    if Treatment.objects.filter(client=client, status__in=OPEN_STATUSES).exists():
        problems.append(
            _(
                "The client has a treatment that is still open. End it first on the "
                "treatment page (discharge, dropout or withdrawal)."
            )
        )
    if RiskAlert.objects.filter(treatment__client=client, status=RiskAlertStatus.OPEN).exists():
        problems.append(
            _("A safety alert about the client is still open. A clinician must check it first.")
        )
    return problems


def _require_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        raise PermissionDenied


@transaction.atomic
def erasure_request_create(*, actor: User, client: User, kind: str, reason: str) -> ErasureRequest:
    """An administrator asks for `client` to be anonymised or erased, with a reason.

    Nothing changes until a different administrator approves. Raises
    PermissionDenied for anyone but an administrator; DomainError for a
    non-client, an unknown kind, a short reason, a request already waiting,
    or an open treatment or alert (`erasure_blockers`).
    """
    _require_admin(actor)
    if not client.is_client:
        raise DomainError(_("Only a client's data can be erased or anonymised here."))
    if kind not in ErasureKind.values:
        raise DomainError(_("Choose anonymise or erase."), field="kind")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(_("Give the reason for the request."), field="reason")
    if problems := erasure_blockers(client):
        raise DomainError(problems[0])
    if ErasureRequest.objects.filter(client=client, status=ErasureStatus.PENDING).exists():
        raise DomainError(_("A request for this client is already waiting for a decision."))
    request = ErasureRequest(client=client, kind=kind, reason=reason, requested_by=actor)
    request.full_clean()
    request.save()
    privacy_event_record(
        action=PrivacyAction.ERASURE_REQUESTED,
        actor=actor,
        client_id=client.pk,
        erasure_request=request,
        detail={"kind": kind},
    )
    return request


@transaction.atomic
def erasure_request_decide(
    *, actor: User, erasure_request: ErasureRequest, approve: bool, note: str = ""
) -> ErasureRequest:
    """A second administrator approves (and so carries out) or rejects a request.

    On approval, in this transaction: the research exemption is decided
    (`erasure.research_exemption_applies`) and recorded with its legal basis
    and the participant IDs kept; the client is anonymised or erased; every
    copy of their data is deleted; what was done is stored as counts.

    Raises PermissionDenied for anyone but an administrator; DomainError when
    the decider made the request (also a database constraint), the request is
    already decided, a rejection has no note, or an open treatment or alert
    appeared since the request.
    """
    _require_admin(actor)
    request = ErasureRequest.objects.select_for_update().get(pk=erasure_request.pk)
    if request.status != ErasureStatus.PENDING:
        raise DomainError(_("This request has already been decided."))
    if request.requested_by_id == actor.pk:
        raise DomainError(_("A different administrator must decide on a request you made."))
    note = (note or "").strip()
    now = timezone.now()
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    if not approve:
        if len(note) < REASON_MIN_LENGTH:
            raise DomainError(_("Say why the request is rejected."), field="note")
        request.status = ErasureStatus.REJECTED
        request.full_clean()
        request.save()
        privacy_event_record(
            action=PrivacyAction.ERASURE_REJECTED,
            actor=actor,
            client_id=request.client_id,
            erasure_request=request,
        )
        return request

    client = User.objects.select_for_update().get(pk=request.client_id)
    if problems := erasure_blockers(client):
        raise DomainError(problems[0])
    privacy_event_record(
        action=PrivacyAction.ERASURE_APPROVED,
        actor=actor,
        client_id=client.pk,
        erasure_request=request,
        detail={"kind": request.kind},
    )
    exemption = research_exemption_applies(client)
    if exemption:
        request.research_exemption = True
        request.legal_basis = settings.PRIVACY_RESEARCH_LEGAL_BASIS
        request.kept_participant_ids = list(
            Treatment.objects.filter(client=client)
            .order_by("participant_id")
            .values_list("participant_id", flat=True)
        )
    if request.kind == ErasureKind.ANONYMISE:
        summary = client_anonymise(client=client)
    else:
        summary = client_erase(client=client, keep_research=exemption)
    summary["copies_deleted"] = _access_requests_retire_for(client=client, actor=actor)
    request.summary = summary
    request.status = ErasureStatus.DONE
    request.carried_out_at = timezone.now()
    request.full_clean()
    request.save()
    privacy_event_record(
        action=PrivacyAction.ERASURE_CARRIED_OUT,
        actor=actor,
        client_id=client.pk,
        erasure_request=request,
        detail={
            "kind": request.kind,
            "research_exemption": request.research_exemption,
            "changed": sum(summary["changed"].values()),
            "deleted": sum(summary["deleted"].values()),
        },
    )
    log.info("erasure_carried_out", request_id=request.pk, kind=request.kind)
    return request
