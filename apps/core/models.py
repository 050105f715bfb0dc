"""The audit records that belong to no domain: reads of identifiable data and
the hash chain over every audit table (see `apps.core.audit`, `docs/audit.md`).

Both tables are append-only: PostgreSQL refuses UPDATE and DELETE on them
(migration 0002)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ROLE_NAMES = {
    "pwp": _("Practitioner"),
    "supervisor": _("Supervisor"),
    "admin": _("Administrator"),
}


class AccessEvent(models.Model):
    """One request that read identifiable data: who, when, which page, whose data."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when nobody was signed in (a questionnaire link)."),
    )
    actor_role = models.CharField(max_length=24, blank=True)
    method = models.CharField(max_length=8)
    view = models.CharField(max_length=120, help_text=_("The URL name of the page."))
    path = models.CharField(max_length=300, help_text=_("Without the query string."))
    # [[client user ID, treatment ID or null], ...]: the sealed record of whose
    # data it was. `AccessSubject` repeats it as rows, to be searched by client.
    subjects = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.method} {self.view} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def role_name(self) -> str:
        """The actor's role in plain words, for the client's access history."""
        return ROLE_NAMES.get(self.actor_role, _("Staff"))


class AccessSubject(models.Model):
    """One client whose data an `AccessEvent` read."""

    event = models.ForeignKey(AccessEvent, on_delete=models.PROTECT, related_name="subject_rows")
    client_id = models.BigIntegerField(db_index=True)
    treatment_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.event_id}: client {self.client_id}"


class AuditSeal(models.Model):
    """One link of the hash chain: the digest of one audit row and of the link before."""

    seq = models.BigAutoField(primary_key=True)
    source = models.CharField(max_length=60, help_text=_("The audit table, e.g. core.accessevent."))
    row_id = models.CharField(max_length=40)
    columns = models.TextField(help_text=_("The columns the digest covers, comma-separated."))
    digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "row_id"], name="audit_seal_one_per_row")
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.source}#{self.row_id}"
