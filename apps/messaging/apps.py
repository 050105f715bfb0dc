from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from apps.core.audit import register_changes, register_identifiable
        from apps.messaging.models import Message

        register_changes(Message, clinical_text=["body"])
        register_identifiable(Message, treatment=lambda o: o.__dict__.get("treatment_id"))

        from apps.messaging.notify import register_link_builders

        register_link_builders()
