from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the default link builders of the built-in kinds.
        from apps.accounts import signals as account_signals
        from apps.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            links,  # noqa: F401
            receivers,
        )

        # Account emails become outbox rows in the sender's transaction.
        account_signals.invitation_requested.connect(
            receivers.invitation_to_outbox, dispatch_uid="notifications.invitation"
        )
        account_signals.password_reset_requested.connect(
            receivers.password_reset_to_outbox, dispatch_uid="notifications.password_reset"
        )
