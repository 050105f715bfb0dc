"""Keep one-time secrets out of logs.

Password-reset, invitation, two-step set-up and questionnaire links carry a
token in their path. Anyone who reads a log line with one could use it, so
every log record (django-structlog's request lines, Django's own "Bad
Request: /path" warnings) and gunicorn's access log have those segments
replaced by "[redacted]".
"""

import logging
import re

REDACTED = "[redacted]"

# <uidb64>/<token>/ after these prefixes; a single <token>/ after the last.
_PATTERNS = [
    re.compile(r"(/account/(?:invitation|password-reset|two-step/set-up)/)[^/\s?\"']+/[^/\s?\"']+"),
    re.compile(r"(/questionnaires/link/)[^/\s?\"']+"),
]


def redact(text: str) -> str:
    """`text` with every token-bearing path segment replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    return value


class RedactSecretsFilter(logging.Filter):
    """A logging filter for every handler: rewrites the record in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a structlog event (wrap_for_formatter)
            record.msg = _redact_value(record.msg)
        else:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record: leave it to the formatter
                return True
            record.msg, record.args = redact(message), ()
        return True
