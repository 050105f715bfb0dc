"""Settings for bench/run_all.py's fan-out section and the Celery worker it
starts: the test settings with a real (not eager) Celery and email to a
dummy backend (sending costs nothing, so the outbox's own work is measured)."""

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
