from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        # Registers the default link builders of the built-in kinds.
        from apps.core.audit import register_changes, register_identifiable
        from apps.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            links,  # noqa: F401
            receivers,
        )
        from apps.notifications.models import (
            Notification,
            NotificationPreference,
            ServiceQuietHours,
        )

        register_identifiable(Notification, treatment=lambda o: o.__dict__.get("treatment_id"))
        register_identifiable(NotificationPreference, user=lambda o: o.__dict__.get("user_id"))

        # A service's quiet hours change on the settings page: every change is audited.
        register_changes(ServiceQuietHours)

        receivers.connect()
