"""Signals the care app sends for higher apps to act on (the layer ladder, docs/architecture.md).

``treatment_ended``: sent by ``apps.care.services.treatment_end`` inside its
transaction, with ``treatment`` (status already set: completed, withdrawn or
dropped out). Receivers run synchronously in the same transaction.
"""

from django.dispatch import Signal

treatment_ended = Signal()
