"""Demo data for messages: a short thread for the week-1 demo client. Idempotent."""

import datetime
import uuid

from django.utils import timezone

from apps.messaging.models import Message

THREAD = [
    (False, "Hello Amy. Welcome to the programme. How did the first module go?", 26),
    (True, "Hi Priya. It was OK. I found the part about sleep helpful.", 20),
    (False, "Good to hear. We can talk about sleep when we meet.", 2),
]


def populate(context: dict) -> None:
    treatment = context["treatments"].get("week1")
    if treatment is None or Message.objects.filter(treatment=treatment).exists():
        return
    now = timezone.now()
    for from_client, body, hours_ago in THREAD:
        sent = now - datetime.timedelta(hours=hours_ago)
        Message.objects.create(
            treatment=treatment,
            sender=treatment.client if from_client else treatment.pwp,
            from_client=from_client,
            body=body,
            created_at=sent,
            # The client has read the first message; the practitioner the reply.
            read_at=sent + datetime.timedelta(hours=1) if hours_ago > 10 else None,
            idempotency_key=uuid.uuid4(),
        )
