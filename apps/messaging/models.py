"""Secure messages between a client and their practitioner.

One conversation (thread) per treatment: every `Message` belongs to a
treatment and the thread is its messages in order. The recipient is implied by
`from_client`: a client's message goes to the treatment's PWP, a staff
message goes to the client. `read_at` is the read receipt, set when the
recipient opens the thread. No attachments, by design.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 5000


class Message(models.Model):
    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    from_client = models.BooleanField(
        help_text=_("True when the client wrote it; False when their practitioner did.")
    )
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("seen"), null=True, blank=True)
    # Generated when the form is shown, so a double click or a resent POST
    # lands on the same row instead of sending the message twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"], name="one_message_per_idempotency_key"
            ),
            models.CheckConstraint(name="message_not_blank", condition=~Q(body="")),
        ]
        indexes = [
            models.Index(fields=["treatment", "created_at"]),
            models.Index(fields=["treatment", "from_client", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} on {self.treatment_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
