from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    verbose_name = _("Mood and goals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.tracking.models import Goal, GoalRating, MoodRating

        auditlog.register(MoodRating)
        auditlog.register(Goal)
        auditlog.register(GoalRating)
