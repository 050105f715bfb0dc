"""Audit trail. Changes to registered models are logged by django-auditlog's
signals in the same transaction; reads of identifiable data call `audit_access`.
The acting user comes from auditlog's middleware."""

from auditlog.signals import accessed
from django.db import models


def audit_access(*, obj: models.Model) -> None:
    """Record that the current user opened `obj` (a model registered with auditlog)."""
    accessed.send(sender=obj.__class__, instance=obj)
