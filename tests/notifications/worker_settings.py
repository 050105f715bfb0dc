"""Settings for the Celery worker that test_worker.py starts in a subprocess.

The test settings, plus the recording email backend (locmem does not cross
processes) and a real, non-eager Celery. The database and Redis come from
DATABASE_URL and REDIS_URL, set by the test to its own test database.
"""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "apps.notifications.backends.RecordingEmailBackend"
NOTIFICATIONS_RECORDING_FILE = os.environ["NOTIFICATIONS_RECORDING_FILE"]
NOTIFICATIONS_RECORDING_GATE = os.environ.get("NOTIFICATIONS_RECORDING_GATE", "")
NOTIFICATIONS_RECORDING_DELAY = float(os.environ.get("NOTIFICATIONS_RECORDING_DELAY", "0"))
CELERY_TASK_ALWAYS_EAGER = False
