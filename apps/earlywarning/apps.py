from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "apps.earlywarning"
    label = "earlywarning"
    verbose_name = "Early warning"
    default_auto_field = "django.db.models.BigAutoField"
