from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the default link builders of the built-in kinds.
        from apps.accounts.signals import account_email_requested
        from apps.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            links,  # noqa: F401
        )
        from apps.notifications.services import account_email_schedule

        def on_account_email(sender, user, kind, **kwargs):
            account_email_schedule(user=user, kind=kind)

        account_email_requested.connect(
            on_account_email, dispatch_uid="notifications.account_email", weak=False
        )
