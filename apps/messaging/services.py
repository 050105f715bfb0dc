"""Writes for messages. Callers fetch the treatment through apps.care.access first."""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import Treatment
from apps.core.errors import DomainError
from apps.messaging.models import Message
from apps.notifications.kinds import Kind
from apps.notifications.services import notification_schedule
from apps.safety.models import RiskSource
from apps.safety.services import risk_screen_client_text


def can_send(*, user: User, treatment: Treatment) -> bool:
    """Only the two people in the conversation write in it: the client and their PWP.

    Supervisors and admins may read a thread (oversight) but never write in
    it, so the client always knows who they are talking to.
    """
    return user.pk in (treatment.client_id, treatment.pwp_id)


@transaction.atomic
def message_send(
    *, sender: User, treatment: Treatment, body: str, idempotency_key: uuid.UUID | str
) -> tuple[Message, bool]:
    """Send `body` in the treatment's thread. Returns (message, created).

    Idempotent per (sender, idempotency_key): a double submit or a resent POST
    returns the first message and sends nothing more. A client's message goes
    through the risk screen (apps.safety): one that mentions suicide or self-harm
    raises a risk alert in the same transaction. The recipient gets a
    "you have a new message" notification through the outbox, after commit,
    which never contains the text (the PWP one per batch of unread messages).
    Raises DomainError for an empty message, a closed treatment or a sender
    outside the conversation.
    """
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write your message"), field="body")
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError:
        raise DomainError(_("Something went wrong. Send your message again.")) from None
    existing = Message.objects.filter(sender=sender, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if not can_send(user=sender, treatment=treatment):
        raise DomainError(_("Only the client and their practitioner can write here."))
    if not treatment.is_open:
        raise DomainError(_("This treatment has ended, so messages are closed."))
    message = Message(
        treatment=treatment,
        sender=sender,
        from_client=sender.pk == treatment.client_id,
        body=body,
        idempotency_key=key,
    )
    message.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Two identical POSTs racing: the other one saved it.
        return Message.objects.get(sender=sender, idempotency_key=key), False
    if message.from_client:
        # Screened in this transaction: a risky message raises a risk alert (sent
        # at once, any hour) besides the ordinary new-message email.
        risk_screen_client_text(
            treatment=treatment,
            subject=message,
            source=RiskSource.MESSAGE_SAFETY_WORDS,
            texts=[message.body],
        )
        _notify_pwp(message)
    else:
        _notify_client(message)
    return message, True


def _notify_client(message: Message) -> None:
    """Tell the client there is a message, never what it says (kind new_message)."""
    notification_schedule(
        recipient=message.treatment.client,
        kind=Kind.NEW_MESSAGE,
        due_at=message.created_at,
        dedupe_key=f"new_message:message:{message.pk}",
        object=message,
        context={"message_id": message.pk},
    )


def client_message_dedupe_key(message: Message) -> str:
    """One email per batch of unread client messages in a thread.

    The key names the last client message the PWP had read before this one:
    every message the client sends before the PWP next opens the thread
    shares it, so the outbox (unique on recipient, kind, channel, key) adds
    nothing for the second and later ones. Once the PWP has read the thread,
    the client's next message makes a new key and a new email.
    """
    last_read = (
        Message.objects.filter(
            treatment_id=message.treatment_id,
            from_client=True,
            read_at__isnull=False,
            pk__lt=message.pk,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"new_client_message:treatment:{message.treatment_id}:after:{last_read or 0}"


def _notify_pwp(message: Message) -> None:
    """Tell the client's PWP there is a message (kind new_client_message).

    Never its content, the client's name or participant ID: the email says
    only that a client wrote. Batched by `client_message_dedupe_key`; the PWP
    turns these off with their `message_emails` preference.
    """
    notification_schedule(
        recipient=message.treatment.pwp,
        kind=Kind.NEW_CLIENT_MESSAGE,
        due_at=message.created_at,
        dedupe_key=client_message_dedupe_key(message),
        object=message,
        context={"message_id": message.pk},
    )


@transaction.atomic
def thread_mark_read(*, reader: User, treatment: Treatment) -> int:
    """Mark the messages addressed to `reader` in this thread as seen now.

    Only the recipient's reading counts: a supervisor opening the thread sets
    no read receipt. Returns how many messages were marked.
    """
    if reader.pk == treatment.client_id:
        incoming = Message.objects.filter(treatment=treatment, from_client=False)
    elif reader.pk == treatment.pwp_id:
        incoming = Message.objects.filter(treatment=treatment, from_client=True)
    else:
        return 0
    return incoming.filter(read_at__isnull=True).update(read_at=timezone.now())
