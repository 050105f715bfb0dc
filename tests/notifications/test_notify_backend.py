"""Text messages through GOV.UK Notify, against a local HTTP server that answers
as Notify's API does (no request leaves this machine)."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from django.core.checks import run_checks
from django.utils import timezone

from apps.notifications.backends import (
    GovUKNotifySMSBackend,
    ProviderRejectedError,
    TransientSendError,
)
from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status
from apps.notifications.services import notification_deliver, notification_schedule
from tests.notifications.factories import PreferenceFactory

SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer = 201

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        FakeNotify.received.append(
            {
                "path": self.path,
                "iss": claims["iss"],
                "json": json.loads(self.rfile.read(length)),
                "accepted": self.answer == 201,
            }
        )
        body = (
            {"id": str(uuid.uuid4()), "content": {}}
            if self.answer == 201
            else {"status_code": self.answer, "errors": [{"error": "Error", "message": "no"}]}
        )
        payload = json.dumps(body).encode()
        self.send_response(self.answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        # GET /v2/notifications?reference=...: the messages sent with that reference.
        from urllib.parse import parse_qs, urlsplit

        wanted = parse_qs(urlsplit(self.path).query).get("reference", [""])[0]
        found = [
            {"id": str(uuid.uuid4()), "reference": r["json"].get("reference")}
            for r in FakeNotify.received
            if wanted and r["accepted"] and r["json"].get("reference") == wanted
        ]
        payload = json.dumps({"notifications": found, "links": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNotify.received, FakeNotify.answer = [], 201
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.GovUKNotifySMSBackend"
    settings.NOTIFY_API_KEY = f"tandem_test-{SERVICE_ID}-{SECRET}"
    settings.NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_ID
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield FakeNotify
    server.shutdown()
    server.server_close()


def test_a_text_goes_to_notify_signed_with_the_services_key(notify):
    GovUKNotifySMSBackend().send(to="07700900123", body="You have a session tomorrow.")
    notify.received[0]["json"].pop("reference", None)
    (request,) = notify.received
    assert request["path"] == "/v2/notifications/sms"
    assert request["iss"] == SERVICE_ID
    assert request["json"] == {
        "phone_number": "07700900123",
        "template_id": TEMPLATE_ID,
        "personalisation": {"body": "You have a session tomorrow."},
    }


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_outages_are_retried(notify, status):
    notify.answer = status
    with pytest.raises(TransientSendError, match=str(status)):
        GovUKNotifySMSBackend().send(to="07700900123", body="Hello")


@pytest.mark.parametrize("status", [400, 403])
def test_refusals_fail_at_once_and_say_nothing_of_the_message(notify, status):
    notify.answer = status
    with pytest.raises(ProviderRejectedError) as raised:
        GovUKNotifySMSBackend().send(to="07700900123", body="Hello")
    assert "07700900123" not in str(raised.value) and "Hello" not in str(raised.value)


@pytest.mark.django_db
def test_a_notify_outage_leaves_the_text_queued_then_it_is_sent(notify, daytime, client_user):
    PreferenceFactory(
        user=client_user, sms_enabled=True, phone_number="07700900123", email_enabled=False
    )
    notify.answer = 503
    rows = notification_schedule(
        recipient=client_user, kind=Kind.NEW_MESSAGE, due_at=timezone.now(), dedupe_key="n-1"
    )
    (row,) = [r for r in rows if r.channel == Channel.SMS]
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.due_at > timezone.now()  # tried again after a back-off

    notify.answer = 201
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert len(notify.received) == 2
    assert "new message" in notify.received[-1]["json"]["personalisation"]["body"]


def test_a_missing_key_is_a_system_check_error(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.GovUKNotifySMSBackend"
    settings.NOTIFY_API_KEY = ""
    settings.NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_ID
    errors = [m for m in run_checks() if m.id == "notifications.E002"]
    assert errors and "NOTIFY_API_KEY" in errors[0].msg


def test_an_unknown_backend_is_a_system_check_error(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.NoSuchBackend"
    assert "notifications.E001" in {m.id for m in run_checks()}


@pytest.mark.django_db
def test_a_text_resent_after_an_interrupted_attempt_is_not_sent_twice(notify, daytime, client_user):
    """The worker died (or the database was down) after Notify accepted the text:
    the resend asks Notify by the row's reference and sends nothing again."""
    PreferenceFactory(
        user=client_user, sms_enabled=True, phone_number="07700900123", email_enabled=False
    )
    rows = notification_schedule(
        recipient=client_user, kind=Kind.NEW_MESSAGE, due_at=timezone.now(), dedupe_key="n-2"
    )
    (row,) = [r for r in rows if r.channel == Channel.SMS]
    GovUKNotifySMSBackend().send(to="07700900123", body="Hello", reference=row.reference)
    Notification.objects.filter(pk=row.pk).update(handed_at=timezone.now(), attempts=1)
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert [r["json"]["reference"] for r in notify.received] == [row.reference]
