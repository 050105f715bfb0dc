from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from auditlog.registry import auditlog

        from apps.messaging.models import Message

        auditlog.register(Message)

        from apps.messaging.notify import register_link_builders

        register_link_builders()
