"""One router for everything under /api/v1/; apps register their viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from apps.trials.api import register as register_trials  # noqa: E402

register_trials(router)
