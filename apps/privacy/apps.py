from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from apps.core.audit import register_identifiable, seal_model
        from apps.privacy.models import ErasureRequest, PrivacyEvent, SubjectAccessRequest
        from apps.privacy.notify import register_kinds

        # Every step of a request and every retention run joins the audit chain.
        seal_model(PrivacyEvent)
        # A page that shows someone's requests read that client's record.
        for model in (SubjectAccessRequest, ErasureRequest):
            register_identifiable(model, client=lambda o: o.__dict__.get("client_id"))
        register_kinds()
