"""One-time tokens never reach the logs: request lines, Django's warnings and
gunicorn's access log have them replaced."""

import logging

import pytest
import structlog
from django.urls import reverse

from apps.core.redact import REDACTED, RedactSecretsFilter, redact

SECRET = "c3p0-5e3c7e7t0k3n"


@pytest.mark.parametrize(
    "path",
    [
        f"/account/invitation/MTI/{SECRET}/",
        f"/account/password-reset/MTI/{SECRET}/",
        f"/account/two-step/set-up/MTI/{SECRET}/",
        f"/questionnaires/link/{SECRET}/",
    ],
)
def test_token_paths_are_redacted(path):
    line = f"GET {path}?next=/x HTTP/1.1"
    assert SECRET not in redact(line)
    assert REDACTED in redact(line)


def test_other_paths_are_left_alone():
    assert redact("/care/clients/12/notes/") == "/care/clients/12/notes/"


@pytest.fixture
def captured():
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Capture()
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processor=structlog.processors.JSONRenderer())
    )
    loggers = [logging.getLogger(n) for n in ("django_structlog", "django.request")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield lines
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.mark.django_db
def test_request_logs_never_hold_reset_or_invitation_tokens(client, captured):
    for name in ("accounts:invitation_accept", "accounts:password_reset_confirm"):
        client.get(reverse(name, args=["MTI", SECRET]))
    client.get(reverse("questionnaires:link", args=[SECRET]))
    text = "\n".join(captured)
    assert "/account/invitation/" in text  # the request was logged...
    assert SECRET not in text  # ...without its token


def test_the_settings_attach_the_filter_to_the_console_handler():
    from config.settings import base

    assert "redact_secrets" in base.LOGGING["handlers"]["console"]["filters"]


def test_gunicorn_access_log_is_redacted():
    from config.gunicorn import RedactingLogger

    class Cfg:
        access_log_format = "%(r)s %(f)s"
        errorlog = "-"
        loglevel = "info"
        accesslog = "-"
        syslog = False
        capture_output = False
        logconfig_dict = {}
        logconfig = None
        logconfig_json = None
        disable_redirect_access_to_syslog = False
        user = 0
        group = 0
        umask = 0

    logger = RedactingLogger.__new__(RedactingLogger)
    logger.cfg = Cfg()

    class Response:
        status = "200 OK"
        sent = 10
        headers = []

        def __init__(self):
            self.response_length = 10

    class Request:
        headers = [("REFERER", f"https://x/account/password-reset/MTI/{SECRET}/")]
        method = "GET"
        path = f"/account/password-reset/MTI/{SECRET}/"
        query = ""
        version = (1, 1)
        uri = path

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": Request.path,
        "PATH_INFO": Request.path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": Request.headers[0][1],
        "REMOTE_ADDR": "127.0.0.1",
    }
    import datetime

    atoms = logger.atoms(Response(), Request(), environ, datetime.timedelta(seconds=1))
    assert SECRET not in str(atoms)
