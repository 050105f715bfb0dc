"""Audit trail.

Three records, all append-only and chained (see `docs/audit.md`):

- Changes to registered models: django-auditlog's `LogEntry`, written by its
  signals in the same transaction. Models holding clinical free text register
  through `register_changes(..., clinical_text=[...])`: the entry says which of
  those fields changed, never their content.
- Reads of identifiable data: `AccessEvent`, one per request that loaded any
  identifiable row. Apps register their identifiable models with
  `register_identifiable`; every instance loaded from the database during a
  request is noted (a `post_init` receiver), and `AccessAuditMiddleware`
  writes one event at response time naming the acting user and every client
  whose data the request touched. Nothing in a view has to remember to call it.
- Research-data reads (`trials.DataAccessLog`), sealed the same way.

`seal_model(Model)` adds a model's new rows to the hash chain (`AuditSeal`).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator

from auditlog.registry import auditlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import post_init, post_save

from apps.core.models import AuditSeal

CLINICAL_TEXT_MASK = "[text not copied]"
# Any constant: the key of the PostgreSQL advisory lock that orders the chain.
_CHAIN_LOCK_KEY = 0x7A4D_A0D1

# --- Changes (auditlog) -------------------------------------------------------

_text_models: set[type[models.Model]] = set()


def mask_clinical_text(value: str) -> str:
    """auditlog mask callable: the fact of a change, never the words."""
    return CLINICAL_TEXT_MASK


def register_changes(
    model: type[models.Model], *, clinical_text: Iterable[str] = (), **kwargs
) -> None:
    """Log changes to `model` with auditlog; `clinical_text` fields are masked."""
    fields = list(clinical_text)
    if fields:
        _text_models.add(model)
        kwargs.update(mask_fields=fields, mask_callable="apps.core.audit.mask_clinical_text")
    auditlog.register(model, **kwargs)


def logentry_pre_save(sender, instance, **kwargs) -> None:
    """A clinical model's `str()` may be its text (a goal's title): name it by ID."""
    if instance.pk is not None or instance.content_type_id is None:
        return
    model = instance.content_type.model_class()
    if model in _text_models:
        instance.object_repr = f"{model._meta.verbose_name} {instance.object_pk}"
        instance.serialized_data = None


# --- Reads (AccessEvent) ------------------------------------------------------

# (client_id, treatment_id) pairs noted during the current request; None
# outside a request (Celery tasks, commands), where nothing is recorded.
_touched: contextvars.ContextVar[set | None] = contextvars.ContextVar("audit_touched", default=None)
_treatment_clients: list[Callable[[set[int]], dict[int, int]]] = []
_clients_among: list[Callable[[set[int]], set[int]]] = []


def register_identifiable(
    model: type[models.Model],
    *,
    treatment: Callable[[models.Model], int | None] | None = None,
    client: Callable[[models.Model], int | None] | None = None,
    user: Callable[[models.Model], int | None] | None = None,
) -> None:
    """Note every `model` row loaded during a request as a read of a client's data.

    `treatment(obj)` / `client(obj)` return the treatment or client user the row
    belongs to (from already-loaded attributes only: read `obj.__dict__`, never
    a deferred field, which would query). `user(obj)`: a user who may or may
    not be a client (a preference row): recorded only if they are one.
    """

    def noted(sender, instance, **kwargs) -> None:
        touched = _touched.get()
        if touched is None or instance.pk is None:
            return
        tid = treatment(instance) if treatment is not None else None
        cid = client(instance) if client is not None else None
        if tid is not None or cid is not None:
            touched.add((cid, tid))
        if user is not None and (uid := user(instance)) is not None:
            touched.add(("user", uid))

    post_init.connect(
        noted, sender=model, weak=False, dispatch_uid=f"audit-read-{model._meta.label}"
    )


def register_clients_among(resolver: Callable[[set[int]], set[int]]) -> None:
    """`resolver(user_ids)` returns those of `user_ids` who are clients."""
    _clients_among.append(resolver)


def register_treatment_clients(resolver: Callable[[set[int]], dict[int, int]]) -> None:
    """`resolver(treatment_ids)` maps treatment IDs to their client's user ID."""
    _treatment_clients.append(resolver)


@contextlib.contextmanager
def reads_recorded() -> Iterator[set]:
    """Collect identifiable reads made inside the block."""
    touched: set = set()
    token = _touched.set(touched)
    try:
        yield touched
    finally:
        _touched.reset(token)


def subjects_of(touched: set) -> list[list[int | None]]:
    """[[client_id, treatment_id], ...] for what a request touched, sorted.

    A client seen only through their user row (a name in a list) has
    treatment None, unless one of their treatments was read as well.
    """
    if not touched:
        return []
    users = {uid for kind, uid in touched if kind == "user"}
    touched = {t for t in touched if t[0] != "user"}
    if users:
        for resolver in _clients_among:
            touched |= {(cid, None) for cid in resolver(users)}
    clients = {tid: cid for cid, tid in touched if cid is not None and tid is not None}
    unknown = {tid for cid, tid in touched if tid is not None and tid not in clients}
    if unknown:
        for resolver in _treatment_clients:
            clients.update(resolver(unknown))
    pairs = {(clients[tid], tid) for _, tid in touched if tid in clients}
    with_treatment = {cid for cid, _ in pairs}
    pairs |= {(cid, None) for cid, tid in touched if tid is None and cid not in with_treatment}
    return sorted([list(p) for p in pairs], key=lambda p: (p[0], p[1] or 0))


def audit_access(*, obj: models.Model) -> None:
    """Note that the current request read `obj` (kept for explicit callers;
    registered models are noted on load)."""
    post_init.send(sender=obj.__class__, instance=obj)


# --- The chain ----------------------------------------------------------------


def _canonical(row: dict) -> str:
    return json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))


def sealed_columns(model: type[models.Model]) -> list[str]:
    """The columns a seal covers: all of them when sealed, named in the seal, so
    that a column added later (a library upgrade) does not break old links."""
    return sorted(f.attname for f in model._meta.concrete_fields)


def digest_of(row: dict) -> str:
    return hashlib.sha256(_canonical(row).encode()).hexdigest()


def row_digest(model: type[models.Model], pk, columns: list[str]) -> str | None:
    """SHA-256 of the row as stored, or None if it is gone."""
    row = model._default_manager.filter(pk=pk).values(*columns).first()
    return None if row is None else digest_of(row)


def link_hash(prev_hash: str, source: str, row_id: str, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{source}|{row_id}|{digest}".encode()).hexdigest()


GENESIS = "0" * 64
_sealed: dict[str, type[models.Model]] = {}


def seal(instance: models.Model, *, row: dict | None = None) -> None:
    """Append `instance` (just inserted) to the chain.

    Under a transaction-scoped advisory lock on PostgreSQL, so that concurrent
    writers append one after another and every link names its true predecessor
    (and `prev_hash` is unique, so a fork could not be stored anyway). `row`:
    the row's stored values when the caller knows them exactly (saves a query).
    """
    source = instance._meta.label_lower
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        prev = AuditSeal.objects.order_by("-seq").values_list("hash", flat=True).first() or GENESIS
        columns = sealed_columns(type(instance))
        if row is not None:
            digest = digest_of({c: row[c] for c in columns})
        else:
            digest = row_digest(type(instance), instance.pk, columns)
        row_id = str(instance.pk)
        AuditSeal.objects.create(
            source=source,
            row_id=row_id,
            columns=",".join(columns),
            digest=digest,
            prev_hash=prev,
            hash=link_hash(prev, source, row_id, digest),
        )


def seal_model(model: type[models.Model], *, on_save: bool = True) -> None:
    """Seal every new row of `model` (rows are never changed: see the triggers).

    `on_save=False`: the writer calls `seal` itself."""
    _sealed[model._meta.label_lower] = model
    if not on_save:
        return

    def sealed(sender, instance, created, raw=False, **kwargs) -> None:
        if created and not raw:
            seal(instance)

    post_save.connect(
        sealed, sender=model, weak=False, dispatch_uid=f"audit-seal-{model._meta.label}"
    )


def sealed_models() -> dict[str, type[models.Model]]:
    return dict(_sealed)


def chain_verify(*, batch: int = 1000) -> tuple[int, str | None]:
    """Walk the chain from the start: (links checked, first problem or None).

    A problem is a link whose hash does not follow from the one before, a row
    changed since it was sealed, a sealed row that is gone, or an audit row
    that was never sealed.
    """
    prev = GENESIS
    checked = 0
    last_seq = 0
    seen: dict[str, set[str]] = {label: set() for label in _sealed}
    while True:
        links = list(AuditSeal.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not links:
            break
        rows: dict[tuple[str, str], str] = {}
        by_source: dict[str, list] = {}
        for link in links:
            if link.source in _sealed:
                by_source.setdefault((link.source, link.columns), []).append(link.row_id)
        for (source, columns), ids in by_source.items():
            model = _sealed[source]
            pk = model._meta.pk.attname
            cols = columns.split(",")
            for row in model._default_manager.filter(pk__in=ids).values(pk, *cols):
                key = (source, str(row[pk]))
                rows[key] = digest_of({c: row[c] for c in cols})
        for link in links:
            where = f"link {link.seq} ({link.source} row {link.row_id})"
            if link.prev_hash != prev:
                return checked, f"{where}: does not follow link {link.seq - 1}"
            if link.hash != link_hash(link.prev_hash, link.source, link.row_id, link.digest):
                return checked, f"{where}: its hash does not match its content"
            current = rows.get((link.source, link.row_id))
            if current is None:
                return checked, f"{where}: the row is missing"
            if current != link.digest:
                return checked, f"{where}: the row was changed after it was written"
            seen.setdefault(link.source, set()).add(link.row_id)
            prev = link.hash
            checked += 1
            last_seq = link.seq
    for source, model in _sealed.items():
        if model._default_manager.count() == len(seen.get(source, ())):
            continue
        unsealed = (
            model._default_manager.exclude(pk__in=[int(i) for i in seen.get(source, ())])
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if unsealed is not None:
            return (
                checked,
                f"{source} row {unsealed}: was never sealed (added behind the app's back)",
            )
    return checked, None


def seal_existing(model: type[models.Model]) -> int:
    """Seal rows written before the chain existed (run once, by a migration)."""
    sealed = set(
        AuditSeal.objects.filter(source=model._meta.label_lower).values_list("row_id", flat=True)
    )
    count = 0
    for obj in model._default_manager.order_by("pk").iterator():
        if str(obj.pk) not in sealed:
            seal(obj)
            count += 1
    return count
