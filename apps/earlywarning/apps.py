from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "apps.earlywarning"
    label = "earlywarning"
    verbose_name = "Early warning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: models can be imported only once the app registry is ready.
        from apps.core.audit import register_changes, register_identifiable
        from apps.earlywarning.models import WarningReview, WarningThresholds

        register_changes(WarningReview, clinical_text=["note", "reasons"])
        register_changes(WarningThresholds)
        register_identifiable(WarningReview, treatment=lambda o: o.__dict__.get("treatment_id"))
