from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        # Registers the default link builders of the built-in kinds.
        from apps.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            links,  # noqa: F401
            receivers,
        )

        receivers.connect()
