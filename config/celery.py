"""Celery application.

Beat runs one instance in UTC and only enqueues work that is due now; due times
live in the database, never in long broker countdowns.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
