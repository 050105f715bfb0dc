"""Channel backends: SMS backends and a recording email backend.

Email uses Django's email backend (settings.EMAIL_BACKEND: SMTP or
django-anymail in production). SMS uses `settings.NOTIFICATIONS_SMS_BACKEND`,
a dotted path to a class with `send(*, to: str, body: str, reference: str = "")
-> None` that raises `TransientSendError` (or ConnectionError/TimeoutError) for
failures worth retrying and anything else for permanent ones. `reference` is
the outbox row's own reference, the same on every attempt. A backend that can
ask its provider whether a reference was already accepted implements
`already_sent(reference) -> bool`: a resend after an interrupted attempt
(worker killed, database down while marking sent) then sends nothing twice.

`RecordingEmailBackend` is for tests that run a real worker in another
process: locmem does not cross processes, so it appends one JSON line per
message to `settings.NOTIFICATIONS_RECORDING_FILE`.
"""

import fcntl
import json
import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string


class TransientSendError(Exception):
    """A send that may work if tried again later (provider down, rate limited)."""


class ProviderRejectedError(Exception):
    """The provider refused the message for good (bad number, bad key): no retry."""


class BaseSMSBackend:
    def send(self, *, to: str, body: str, reference: str = "") -> None:
        raise NotImplementedError

    def already_sent(self, reference: str) -> bool:
        """Whether the provider already accepted a message with `reference`.
        False when the provider cannot tell (the resend goes ahead)."""
        return False


class ConsoleSMSBackend(BaseSMSBackend):
    """Development: prints the text message instead of sending it."""

    def send(self, *, to: str, body: str, reference: str = "") -> None:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n")
        sys.stdout.flush()


class LocmemSMSBackend(BaseSMSBackend):
    """Tests: keeps sent text messages in `LocmemSMSBackend.outbox`."""

    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, reference: str = "") -> None:
        LocmemSMSBackend.outbox.append({"to": to, "body": body, "reference": reference})

    def already_sent(self, reference: str) -> bool:
        return bool(reference) and any(m.get("reference") == reference for m in self.outbox)


class GovUKNotifySMSBackend(BaseSMSBackend):
    """Text messages through GOV.UK Notify, which NHS services use.

    Settings: NOTIFY_API_KEY (a live or team key), NOTIFY_SMS_TEMPLATE_ID (a
    Notify text template whose whole content is ``((body))``) and
    NOTIFY_BASE_URL (the live API unless set). Rate limits (429) and server
    errors (5xx, no connection) are retried with back-off; any other refusal
    fails at once and shows in the admin's failed messages. Error texts name
    the status only, never the number or the message.
    """

    def _client(self):
        from notifications_python_client.notifications import NotificationsAPIClient

        return NotificationsAPIClient(
            settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=15
        )

    def already_sent(self, reference: str) -> bool:
        """Asks Notify for messages with this reference (its idempotency aid)."""
        from notifications_python_client.errors import APIError

        if not reference:
            return False
        try:
            found = self._client().get_all_notifications(reference=reference)
        except APIError as error:
            raise TransientSendError(f"GOV.UK Notify answered {error.status_code}") from None
        return bool(found.get("notifications"))

    def send(self, *, to: str, body: str, reference: str = "") -> None:
        from notifications_python_client.errors import APIError

        client = self._client()
        try:
            client.send_sms_notification(
                phone_number=to,
                template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                personalisation={"body": body},
                reference=reference or None,
            )
        except APIError as error:
            status = error.status_code
            if status == 429 or status >= 500:
                raise TransientSendError(f"GOV.UK Notify answered {status}") from None
            raise ProviderRejectedError(f"GOV.UK Notify refused the message ({status})") from None


def sms_backend() -> BaseSMSBackend:
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()


class RecordingEmailBackend(BaseEmailBackend):
    """Test-only: appends each message as a JSON line to a file.

    Settings:
    - NOTIFICATIONS_RECORDING_FILE: where to append (required);
    - NOTIFICATIONS_RECORDING_DELAY: seconds to wait before "accepting" each
      message, to stand in for a slow provider;
    - NOTIFICATIONS_RECORDING_GATE: while a file exists at this path, each send
      writes "<notification id>" to "<recording file>.blocked" and waits before
      accepting. A test closes the gate to freeze every worker process at a
      known point (before the provider accepts) and then kills them.
    """

    def send_messages(self, email_messages) -> int:
        path = Path(settings.NOTIFICATIONS_RECORDING_FILE)
        gate = getattr(settings, "NOTIFICATIONS_RECORDING_GATE", "")
        delay = float(getattr(settings, "NOTIFICATIONS_RECORDING_DELAY", 0))
        for message in email_messages:
            notification_id = message.extra_headers.get("X-Tandem-Notification", "")
            if gate and os.path.exists(gate):
                _append(Path(f"{path}.blocked"), {"id": notification_id, "pid": os.getpid()})
                while os.path.exists(gate):
                    time.sleep(0.05)
            if delay:
                time.sleep(delay)
            _append(
                path,
                {
                    "id": notification_id,
                    "message_id": message.extra_headers.get("Message-ID", ""),
                    "to": message.to,
                    "subject": message.subject,
                    "body": message.body,
                    "pid": os.getpid(),
                },
            )
        return len(email_messages)


def _append(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        fcntl.flock(handle, fcntl.LOCK_UN)
