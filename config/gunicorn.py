"""gunicorn settings (`gunicorn -c python:config.gunicorn config.wsgi`).

The access log goes through a logger class that removes one-time tokens from
paths, query strings and referrers (apps.core.redact)."""

from gunicorn.glogging import Logger

from apps.core.redact import redact

accesslog = "-"


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        values = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}


logger_class = RedactingLogger
