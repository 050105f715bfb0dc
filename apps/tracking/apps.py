from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    verbose_name = _("Mood and goals")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from auditlog.registry import auditlog

        from apps.tracking.models import Goal, GoalRating, MoodRating

        auditlog.register(MoodRating)
        auditlog.register(Goal)
        auditlog.register(GoalRating)
