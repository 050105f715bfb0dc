from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    verbose_name = _("Mood and goals")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from apps.core.audit import register_changes, register_identifiable
        from apps.tracking.models import Goal, GoalRating, MoodRating

        register_changes(MoodRating, clinical_text=["note", "tags"])
        register_changes(Goal, clinical_text=["title", "why_it_matters", "how_ill_know"])
        register_changes(GoalRating, clinical_text=["note"])
        for model in (MoodRating, Goal):
            register_identifiable(
                model,
                client=lambda o: o.__dict__.get("client_id"),
                treatment=lambda o: o.__dict__.get("treatment_id"),
            )
