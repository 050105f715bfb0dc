"""Settings shared by every environment.

Every toggle is an environment variable read here through django-environ, whose
typed readers fail loudly on bad values. local/test/production only adjust.
"""

import datetime
from pathlib import Path

import environ
import structlog
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Tandem")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    # django.contrib.admin whose default site requires two-step verification.
    "apps.accounts.admin_apps.TandemAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "csp",
    "django_structlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.care",
    "apps.programme",
    "apps.tracking",
    "apps.questionnaires",
    "apps.safety",
    "apps.notifications",
    "apps.messaging",
    "apps.earlywarning",
    "apps.trials",
    "apps.workspace",
    "apps.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (with a per-response nonce) and Permissions-Policy.
    "csp.middleware.CSPMiddleware",
    "apps.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.PrivatePagesMiddleware",
    # 400 for a NUL byte anywhere in the request, before it reaches PostgreSQL or logs.
    "apps.core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: ends idle and too-old sessions (apps.core.sessions).
    "apps.core.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.HtmxSignedOutMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Writes one AccessEvent per request that read identifiable data (apps.core.audit).
    "apps.core.middleware.AccessAuditMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.workspace.context_processors.navigation",
            ],
        },
    }
]

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` has the web server, a worker and beat writing to one file:
    # take the write lock at the start of a transaction and wait for it,
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache is an optimisation: with Redis down, reads miss and writes are
    # dropped (apps.core.cache), and a hung Redis costs at most the timeouts.
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.SafeRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and sessions ------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name", "preferred_name")},
    },
    # Refuses a password that contains the person's name or email name at all.
    {"NAME": "apps.accounts.validators.NameInPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Idle timeout: the session slides with what the person does (navigation,
# clicks, key presses), never with requests a page makes by itself (the
# exercise heartbeat); pages warn two minutes ahead. Absolute limit from
# sign-in, whatever the activity. Enforced by apps.core.sessions.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_STAFF = datetime.timedelta(
    hours=env.int("SESSION_ABSOLUTE_HOURS_STAFF", default=12)
)
SESSION_ABSOLUTE_CLIENT = datetime.timedelta(
    days=env.int("SESSION_ABSOLUTE_DAYS_CLIENT", default=7)
)
# How often an open exercise page reports time-on-step (it never extends the session).
PROGRAMME_HEARTBEAT_SECONDS = env.int("PROGRAMME_HEARTBEAT_SECONDS", default=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_HOURS", default=24) * 3600
INVITATION_TIMEOUT = env.int("INVITATION_DAYS", default=7) * 86400

# Growing delays, not lockouts, guard the sign-in form (apps.accounts.throttle),
# so no lockout backend is needed here.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# Two-step verification (django-otp) for every staff role; clients never.
# Enforced in one place: apps.accounts.middleware.StaffTwoFactorMiddleware.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=True)
OTP_TOTP_ISSUER = SITE_NAME
# A password alone never shows the authenticator key: a staff member with no
# authenticator is emailed a one-time set-up link valid this many hours.
TWO_STEP_SETUP_LINK_HOURS = env.int("TWO_STEP_SETUP_LINK_HOURS", default=24)
# Device keys and recovery codes stay out of admin pages; admins can still
# delete a person's devices (a reset), and they set up again at next sign-in.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The sign-in log (django-axes): every successful sign-in (email, client
# address, browser, sign-out time) and every failed one, for security review
# (Django admin › Axes). Axes only records: its lockout is off, because a hard
# lock per (email, address) refuses even the right password and lets anyone
# who shares the owner's address keep them out. Growing delays
# (apps.accounts.throttle, below) do that job. See docs/security.md.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_LOCK_OUT_AT_FAILURE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The start-up banner is noise in structured logs.
AXES_VERBOSE = False
# A daily task deletes sign-in records older than this many days.
SIGN_IN_RECORD_RETENTION_DAYS = env.int("SIGN_IN_RECORD_RETENTION_DAYS", default=90)
AXES_USERNAME_CALLABLE = "apps.accounts.sign_in_log.username_from_request"
# The client address (for axes and apps.accounts.throttle): behind N trusted
# proxies that each append to X-Forwarded-For, the N-th entry from the right;
# with 0 (direct) only REMOTE_ADDR, so the header cannot be forged. With
# AXES_PROXY_TRUSTED_IPS set, the header is read only from those addresses.
# See docs/security.md ("Behind a load balancer").
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_TRUSTED_IPS = env.list("AXES_PROXY_TRUSTED_IPS", default=[])
AXES_CLIENT_IP_CALLABLE = "apps.accounts.throttle.client_ip"
# Growing delays (apps.accounts.throttle) on every door a guesser can knock
# on: sign-in per client address and per email (per email and browser on a
# known device), password-reset requests per address and per email, and
# two-step codes per address. Window and longest wait are shared.
SIGN_IN_THROTTLE_ENABLED = env.bool("SIGN_IN_THROTTLE_ENABLED", default=True)
SIGN_IN_WINDOW_MINUTES = env.int("SIGN_IN_WINDOW_MINUTES", default=15)
# Axes also keeps a running count per (email, address, browser); with no
# lockout it is only a summary, forgotten after the same window.
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGN_IN_WINDOW_MINUTES)
SIGN_IN_MAX_DELAY_SECONDS = env.int("SIGN_IN_MAX_DELAY_SECONDS", default=300)
SIGN_IN_IP_FREE_FAILURES = env.int("SIGN_IN_IP_FREE_FAILURES", default=10)
SIGN_IN_EMAIL_FREE_FAILURES = env.int("SIGN_IN_EMAIL_FREE_FAILURES", default=3)
# A browser where someone signed in is "known" for their email this long.
SIGN_IN_KNOWN_DEVICE_DAYS = env.int("SIGN_IN_KNOWN_DEVICE_DAYS", default=90)
# Its cookie (listed on the privacy page with the others).
SIGN_IN_KNOWN_DEVICE_COOKIE_NAME = "known_device"
PASSWORD_RESET_IP_FREE_REQUESTS = env.int("PASSWORD_RESET_IP_FREE_REQUESTS", default=5)
PASSWORD_RESET_EMAIL_FREE_REQUESTS = env.int("PASSWORD_RESET_EMAIL_FREE_REQUESTS", default=3)
TWO_STEP_IP_FREE_FAILURES = env.int("TWO_STEP_IP_FREE_FAILURES", default=10)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
# Offered languages: each has a complete message catalogue (locale/) and
# content (content/); tests/test_i18n_catalogues.py fails when one is missing
# or incomplete. See docs/i18n.md to add one.
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
# Content fields can hold more languages than are offered: Welsh stays in the
# models (its columns keep their data) until it has catalogues and content.
MODELTRANSLATION_LANGUAGES = ("en", "cy", "nl")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
# Empty content in the reader's language falls back to English; step pages
# then say so ("not yet translated") and admins see the gap on the
# translation-status page.
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Generated files (exports). The worker writes them and the web process serves
# them, so on several machines they must live in shared storage: a directory
# (EXPORT_ROOT, e.g. a shared volume) by default, or S3-compatible object
# storage when S3_BUCKET is set (AWS S3, MinIO, Ceph, ...; django-storages).
EXPORT_ROOT = env.path("EXPORT_ROOT", default=MEDIA_ROOT / "exports")
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")  # blank: AWS itself
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")  # blank: boto3's own lookup
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_REGION = env.str("S3_REGION", default="")


def s3_storage(location: str) -> dict:
    """A STORAGES entry for the S3 bucket, under the prefix `location`."""
    options = {
        "bucket_name": S3_BUCKET,
        "location": location,
        "default_acl": None,  # private, as the bucket is
        "querystring_auth": True,
        "file_overwrite": False,
    }
    for key, value in (
        ("endpoint_url", S3_ENDPOINT_URL),
        ("access_key", S3_ACCESS_KEY_ID),
        ("secret_key", S3_SECRET_ACCESS_KEY),
        ("region_name", S3_REGION),
    ):
        if value:
            options[key] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": (
        s3_storage("media")
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports": (
        s3_storage("exports")
        if S3_BUCKET
        else {"BACKEND": "apps.core.storage.ExportFileSystemStorage"}
    ),
}

# --- Email ------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <no-reply@localhost>")
ANYMAIL = env.dict("ANYMAIL", default={})

# --- Celery -----------------------------------------------------------------
# With no REDIS_URL the broker is kombu's filesystem transport: no server needed.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is ./control, which would leave an untracked folder in the checkout.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULE["accounts-prune-sign-in-records"] = {
    "task": "apps.accounts.tasks.sign_in_records_prune",
    "schedule": 24 * 3600.0,
    "options": {"expires": 23 * 3600},
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, named, expiring, scoped keys of trial managers (apps.accounts.api_tokens).
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
# API tokens: lifetime offered by default and the longest allowed, in days.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Pseudonymised trial data: participants, events and questionnaire scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and docs hold no data, but are only for staff with API access.
    "SERVE_PERMISSIONS": ["apps.trials.api.IsResearcher"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.trials.api.add_error_responses",
    ],
}

# --- Clinical and service policy --------------------------------------------
TREATMENT_WEEKS = env.int("TREATMENT_WEEKS", default=11)
FACE_TO_FACE_SESSIONS = env.int("FACE_TO_FACE_SESSIONS", default=6)

# Early warning on the caseload (docs/early-warning.md): defaults for every
# service; a service's WarningThresholds row overrides any of them.
EARLY_WARNING_INACTIVE_DAYS = env.int("EARLY_WARNING_INACTIVE_DAYS", default=7)
EARLY_WARNING_RECENT_DAYS = env.int("EARLY_WARNING_RECENT_DAYS", default=14)
EARLY_WARNING_MOOD_MARGIN = env.str("EARLY_WARNING_MOOD_MARGIN", default="1.0")
EARLY_WARNING_MOOD_MIN_RATINGS = env.int("EARLY_WARNING_MOOD_MIN_RATINGS", default=3)
EARLY_WARNING_PHQ9_RISE = env.int("EARLY_WARNING_PHQ9_RISE", default=6)
EARLY_WARNING_WAI_LOW_MAX = env.int("EARLY_WARNING_WAI_LOW_MAX", default=28)
EARLY_WARNING_WAI_FALL = env.int("EARLY_WARNING_WAI_FALL", default=5)
EARLY_WARNING_BOND_GAP = env.int("EARLY_WARNING_BOND_GAP", default=4)
EARLY_WARNING_CLIENT_REPLY_DAYS = env.int("EARLY_WARNING_CLIENT_REPLY_DAYS", default=5)
EARLY_WARNING_PWP_REPLY_DAYS = env.int("EARLY_WARNING_PWP_REPLY_DAYS", default=2)
PHQ9_REFERRAL_THRESHOLD = env.int("PHQ9_REFERRAL_THRESHOLD", default=4)
WAI_WORDING_FILE = env.str("WAI_WORDING_FILE", default="")
# The therapist's version (WAI-SF-T): same licensing, its own wording file.
WAI_T_WORDING_FILE = env.str("WAI_T_WORDING_FILE", default="")
# Questionnaire wording in other languages (docs/i18n.md): a directory of
# `<code>.<language>.json` files the service supplies (validated translations,
# naming source and licence). Without one, a questionnaire is shown in English.
QUESTIONNAIRE_TRANSLATIONS_DIR = env.str("QUESTIONNAIRE_TRANSLATIONS_DIR", default="")
# Demo and tests only: use the bundled, visibly marked placeholder translations.
QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS = env.bool(
    "QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS", default=False
)
CONTENT_DIR = env.path("CONTENT_DIR", default=BASE_DIR / "content")

# --- Logging ----------------------------------------------------------------
# Structured logs carry ids and event names only, never clinical content or
# anything a client typed.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=True)
DJANGO_STRUCTLOG_CELERY_ENABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "structlog.stdlib.ProcessorFormatter",
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer()
                if LOG_JSON
                else structlog.dev.ConsoleRenderer(),
            ],
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
            ],
        },
    },
    # One-time tokens in paths (reset, invitation, questionnaire links) are
    # replaced before anything is written: apps.core.redact.
    "filters": {"redact_secrets": {"()": "apps.core.redact.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_structlog": {"level": LOG_LEVEL},
    },
}

# --- Questionnaires and safety ----------------------------------------------
# Default questionnaire protocol (instrument codes per time point). A service
# can replace it with a QuestionnaireProtocol row (admin). See docs/questionnaires.md.
QUESTIONNAIRE_DEFINITIONS_DIR = env.str("QUESTIONNAIRE_DEFINITIONS_DIR", default="")
QUESTIONNAIRE_PROTOCOL = {
    "baseline": env.list("QUESTIONNAIRES_BASELINE", default=["phq9", "gad7"]),
    "pre_session": env.list("QUESTIONNAIRES_PRE_SESSION", default=["phq9", "gad7"]),
    # The working alliance early in treatment, while it can still be repaired (issue 14).
    "early_alliance": env.list("QUESTIONNAIRES_EARLY_ALLIANCE", default=["wai_sf_c"]),
    "end_of_treatment": env.list("QUESTIONNAIRES_END", default=["phq9", "wai_sf_c"]),
    "followup_3m": env.list("QUESTIONNAIRES_FOLLOWUP_3M", default=["phq9", "wai_sf_c"]),
    "followup_6m": env.list("QUESTIONNAIRES_FOLLOWUP_6M", default=["phq9"]),
    "followup_12m": env.list("QUESTIONNAIRES_FOLLOWUP_12M", default=["phq9"]),
}
QUESTIONNAIRE_FOLLOWUP_6M = env.bool("QUESTIONNAIRE_FOLLOWUP_6M", default=False)
# A named protocol ("e_compared" or "nhs_routine", apps.questionnaires.models.PROTOCOL_PRESETS)
# used by services without their own QuestionnaireProtocol; empty = the lists above.
QUESTIONNAIRE_EARLY_ALLIANCE_AFTER_SESSION = env.int(
    "QUESTIONNAIRE_EARLY_ALLIANCE_AFTER_SESSION", default=2
)
QUESTIONNAIRE_EARLY_ALLIANCE_WINDOW_DAYS = env.int(
    "QUESTIONNAIRE_EARLY_ALLIANCE_WINDOW_DAYS", default=7
)
QUESTIONNAIRE_PROTOCOL_PRESET = env.str("QUESTIONNAIRE_PROTOCOL_PRESET", default="")
# The client's PWP answers the WAI-SF-T at the same time points as the client's
# WAI-SF-C (services without their own protocol row; docs/alliance.md).
QUESTIONNAIRE_PRACTITIONER_ALLIANCE = env.bool("QUESTIONNAIRE_PRACTITIONER_ALLIANCE", default=True)
QUESTIONNAIRE_FOLLOWUP_12M = env.bool("QUESTIONNAIRE_FOLLOWUP_12M", default=False)
# Due windows, in days (hours for the pre-session window's opening).
QUESTIONNAIRE_BASELINE_WINDOW_DAYS = env.int("QUESTIONNAIRE_BASELINE_WINDOW_DAYS", default=14)
QUESTIONNAIRE_PRE_SESSION_OPENS_DAYS = env.int("QUESTIONNAIRE_PRE_SESSION_OPENS_DAYS", default=3)
QUESTIONNAIRE_END_OPENS_DAYS_BEFORE = env.int("QUESTIONNAIRE_END_OPENS_DAYS_BEFORE", default=7)
QUESTIONNAIRE_END_WINDOW_DAYS = env.int("QUESTIONNAIRE_END_WINDOW_DAYS", default=21)
QUESTIONNAIRE_FOLLOWUP_WINDOW_DAYS = env.int("QUESTIONNAIRE_FOLLOWUP_WINDOW_DAYS", default=28)
# Reminders after the window opens, until completed or closed.
QUESTIONNAIRE_REMINDER_DAYS = [
    int(d) for d in env.list("QUESTIONNAIRE_REMINDER_DAYS", default=["3", "7"])
]
# Upper bound on a signed questionnaire link's age; the window end also applies.
QUESTIONNAIRE_LINK_MAX_AGE_DAYS = env.int("QUESTIONNAIRE_LINK_MAX_AGE_DAYS", default=60)
# Risk alerts: escalate to supervisors when unacknowledged this long (per-service override).
RISK_ESCALATION_HOURS = env.int("RISK_ESCALATION_HOURS", default=4)
# What the crisis page promises about contact. NEEDS CLINICAL SIGN-OFF (docs/safety.md).
RISK_CONTACT_WITHIN = env.str("RISK_CONTACT_WITHIN", default="1 working day")
CELERY_BEAT_SCHEDULE.update(
    {
        "questionnaires-plan": {
            "task": "apps.questionnaires.tasks.plan_administrations",
            "schedule": 15 * 60,
        },
        "safety-escalate-alerts": {
            "task": "apps.safety.tasks.escalate_risk_alerts",
            "schedule": 5 * 60,
        },
    }
)

# --- Notifications ----------------------------------------------------------
# Outbox in apps/notifications. Email goes through EMAIL_BACKEND above. In
# production either set EMAIL_URL=smtp+tls://user:password@host:587 (SMTP), or
# send through a provider with django-anymail: ANYMAIL_BACKEND=
# anymail.backends.<provider>.EmailBackend (e.g. postmark, mailgun, amazon_ses)
# and ANYMAIL="<PROVIDER>_API_KEY=...,<PROVIDER>_SENDER_DOMAIN=..." (then
# EMAIL_URL is not used). SMS goes through a pluggable backend: a dotted path
# to a class with send(*, to, body); the console backend prints to stdout.
from datetime import time as _time  # noqa: E402 - this section is appended

_anymail_backend = env.str("ANYMAIL_BACKEND", default="")
if _anymail_backend:
    EMAIL_BACKEND = _anymail_backend
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="apps.notifications.backends.ConsoleSMSBackend"
)
# For NOTIFICATIONS_SMS_BACKEND=apps.notifications.backends.GovUKNotifySMSBackend.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_SMS_TEMPLATE_ID = env.str("NOTIFY_SMS_TEMPLATE_ID", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
# Quiet hours of a service that has not set its own (service settings page); each
# client can choose their own. In the person's own time zone.
NOTIFICATIONS_QUIET_HOURS_START = _time.fromisoformat(
    env.str("NOTIFICATIONS_QUIET_HOURS_START", default="21:00")
)
NOTIFICATIONS_QUIET_HOURS_END = _time.fromisoformat(
    env.str("NOTIFICATIONS_QUIET_HOURS_END", default="08:00")
)
NOTIFICATIONS_SESSION_REMINDER_HOURS = env.int("NOTIFICATIONS_SESSION_REMINDER_HOURS", default=24)
NOTIFICATIONS_INACTIVITY_DAYS = env.int("NOTIFICATIONS_INACTIVITY_DAYS", default=5)
# Transient send failures are retried from the database with exponential
# back-off and jitter (base * 2**n seconds, capped); then the row is failed.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600)
# A row left "sending" longer than this (a killed worker) is sent again. Must
# exceed the send task's time limit (NOTIFICATIONS_SEND_TIME_LIMIT) so a live
# send is never taken over.
NOTIFICATIONS_SEND_TIME_LIMIT = env.int("NOTIFICATIONS_SEND_TIME_LIMIT", default=60)
# A large sweep of due reminders goes out in send tasks of up to this many rows
# (one task per row while a sweep has 64 rows or fewer): fewer round trips
# and commits per message. Each row is still claimed and marked sent on its own.
NOTIFICATIONS_SEND_BATCH = env.int("NOTIFICATIONS_SEND_BATCH", default=25)
NOTIFICATIONS_SENDING_LEASE_SECONDS = env.int("NOTIFICATIONS_SENDING_LEASE_SECONDS", default=120)
# A pending row whose send task was queued this long ago is queued again
# (a lost broker message); the claim makes the duplicate task harmless.
NOTIFICATIONS_REENQUEUE_AFTER_SECONDS = env.int(
    "NOTIFICATIONS_REENQUEUE_AFTER_SECONDS", default=120
)
# A worker whose "sent" UPDATE fails (database unreachable) retries it this
# long before giving up (the row is then sent again after its lease). Keep it
# under the send time limits.
NOTIFICATIONS_MARK_SENT_RETRY_SECONDS = env.int("NOTIFICATIONS_MARK_SENT_RETRY_SECONDS", default=15)
# Urgent kinds (risk alerts and escalations) go on their own queue with their
# own worker, so a fan-out of reminders never delays them, and recover faster:
# a shorter time limit, lease and requeue, swept every NOTIFICATIONS_URGENT_SWEEP_SECONDS.
NOTIFICATIONS_URGENT_QUEUE = env.str("NOTIFICATIONS_URGENT_QUEUE", default="risk")
NOTIFICATIONS_URGENT_SEND_TIME_LIMIT = env.int("NOTIFICATIONS_URGENT_SEND_TIME_LIMIT", default=20)
NOTIFICATIONS_URGENT_LEASE_SECONDS = env.int("NOTIFICATIONS_URGENT_LEASE_SECONDS", default=30)
NOTIFICATIONS_URGENT_REENQUEUE_AFTER_SECONDS = env.int(
    "NOTIFICATIONS_URGENT_REENQUEUE_AFTER_SECONDS", default=20
)
NOTIFICATIONS_URGENT_SWEEP_SECONDS = env.int("NOTIFICATIONS_URGENT_SWEEP_SECONDS", default=15)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "notifications.send_urgent": {"queue": NOTIFICATIONS_URGENT_QUEUE},
    "notifications.dispatch_urgent": {"queue": NOTIFICATIONS_URGENT_QUEUE},
    "apps.safety.tasks.escalate_risk_alerts": {"queue": NOTIFICATIONS_URGENT_QUEUE},
}
# Beat (one instance, UTC) only enqueues what is due now; `expires` drops ticks
# that waited in the queue while no worker ran, so they never pile up.
CELERY_BEAT_SCHEDULE.update(
    {
        "notifications-dispatch-due": {
            "task": "notifications.dispatch_due",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        "notifications-dispatch-urgent": {
            "task": "notifications.dispatch_urgent",
            "schedule": float(NOTIFICATIONS_URGENT_SWEEP_SECONDS),
            "options": {"expires": max(NOTIFICATIONS_URGENT_SWEEP_SECONDS - 1, 1)},
        },
        "notifications-plan-reminders": {
            "task": "notifications.plan_reminders",
            "schedule": 300.0,
            "options": {"expires": 290},
        },
    }
)

# --- Trials -----------------------------------------------------------------
# Export files (EXPORT_ROOT above) are deleted this long after they are ready;
# a download after that answers 410 Gone. Base URL of identifiers in FHIR output.
TRIALS_EXPORT_EXPIRY_HOURS = env.int("TRIALS_EXPORT_EXPIRY_HOURS", default=24)
TRIALS_FHIR_SYSTEM_BASE = env.str("TRIALS_FHIR_SYSTEM_BASE", default="https://tandem.example/fhir")
CELERY_BEAT_SCHEDULE.update(
    {
        "trials-expire-exports": {
            "task": "apps.trials.tasks.expire_export_jobs",
            "schedule": 3600.0,
            "options": {"expires": 3500},
        },
    }
)

# --- Privacy: copies of data, erasure, retention (docs/privacy.md) -------------
# Recorded on an erasure request when pseudonymised research data is kept
# because the client takes part in a trial and consented to research use. The
# service's data protection officer confirms the wording.
PRIVACY_RESEARCH_LEGAL_BASIS = env.str(
    "PRIVACY_RESEARCH_LEGAL_BASIS",
    default=(
        "UK GDPR Article 17(3)(d): scientific research in line with Article 89(1), where "
        "erasure would seriously impair the research; health data under Article 9(2)(j) "
        "and Data Protection Act 2018 Schedule 1 paragraph 4. Kept pseudonymised, by "
        "participant ID only."
    ),
)
# The retention schedule: days each kind of data is kept, counted from the
# moment named in docs/privacy.md. Defaults follow the NHS Records Management
# Code of Practice for mental health records (20 years after the end of care);
# the service's records manager confirms them. Enforced daily by
# apps.privacy.tasks.retention_enforce; an open treatment is never touched and
# the audit tables never are (docs/audit.md).
RETENTION_DAYS = {
    # Clinical text of a treatment that ended (notes, agreements, tasks,
    # exercises, feedback, goals, alert notes): removed, numbers kept by
    # participant ID. The account is anonymised once no treatment remains in its period.
    "clinical_record": env.int("RETENTION_CLINICAL_RECORD_DAYS", default=7305),
    # Message text of a treatment that ended (part of the clinical record by default).
    "messages": env.int("RETENTION_MESSAGES_DAYS", default=7305),
    # Notes on mood ratings made outside any treatment (seen by the client only).
    "mood_notes": env.int("RETENTION_MOOD_NOTES_DAYS", default=730),
    # Outbox rows already sent, suppressed or failed (times and kinds, no text).
    "notifications": env.int("RETENTION_NOTIFICATIONS_DAYS", default=365),
    # A copy of a client's data (the subject-access ZIP): downloadable this many
    # days after it is made (a client's own: after staff release it), then deleted.
    "data_copies": env.int("RETENTION_DATA_COPY_DAYS", default=30),
}
# Trial export files have their own, shorter clock: TRIALS_EXPORT_EXPIRY_HOURS.
CELERY_BEAT_SCHEDULE.update(
    {
        "privacy-retention": {
            "task": "apps.privacy.tasks.retention_enforce",
            "schedule": 24 * 3600.0,
            "options": {"expires": 23 * 3600},
        },
    }
)

# --- System checks ------------------------------------------------------------
# A deployment may acknowledge a known warning, e.g. questionnaires.W001 while
# the licensed WAI-SF-C wording is still being obtained.
SILENCED_SYSTEM_CHECKS = [
    # django-axes is only the sign-in log here (its lockout is off): its
    # middleware and authentication backend, which enforce lockouts, are left out.
    "axes.W002",
    "axes.W003",
    *env.list("SILENCED_SYSTEM_CHECKS", default=[]),
]


# --- Browser hardening (docs/security-headers.md) ----------------------------
# No inline scripts or styles anywhere: scripts are files under static/ (or carry
# the response's nonce), styles are classes in app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if env.bool("CSP_REPORT_ONLY", default=False):
    # To trial a stricter policy in production without breaking pages.
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
# Browser features no page uses are switched off for every page.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
    "fullscreen": ["self"],
}
