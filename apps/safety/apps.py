from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "apps.safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).

        from apps.core.audit import register_changes, register_identifiable
        from apps.safety import checks, notify  # noqa: F401 - checks register themselves
        from apps.safety.models import RiskAlert, ServiceSafetyPolicy

        register_changes(RiskAlert, clinical_text=["acknowledgement_note"])
        register_changes(ServiceSafetyPolicy)
        register_identifiable(RiskAlert, treatment=lambda o: o.__dict__.get("treatment_id"))
        notify.register()

        from apps.care.signals import treatment_status_changed
        from apps.safety.services import open_alerts_follow_transfer

        treatment_status_changed.connect(
            open_alerts_follow_transfer, dispatch_uid="safety.open_alerts_follow_transfer"
        )
