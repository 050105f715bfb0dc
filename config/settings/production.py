"""Production: only tightens base. Refuses to start without a real SECRET_KEY."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import EMAIL_BACKEND, SECRET_KEY, STORAGES, env

if len(SECRET_KEY) < 50 or "not-secret" in SECRET_KEY or "insecure" in SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")

# Emails carry one-time links: printed to the console they would end up in
# the logs, and nobody would receive them.
if EMAIL_BACKEND.rsplit(".", 2)[-2] in ("console", "locmem", "dummy", "filebased"):
    raise ImproperlyConfigured(
        "EMAIL_URL (or ANYMAIL_BACKEND) must name a real mail service in production, "
        "for example smtp+tls://user:password@smtp.example.org:587."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container health check calls plain HTTP on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
