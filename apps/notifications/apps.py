from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the default link builders of the built-in kinds.
        from apps.accounts.signals import account_email_requested
        from apps.care.signals import treatment_invitation_requested
        from apps.notifications import (
            checks,  # noqa: F401  (registers the system checks)
            links,  # noqa: F401
        )
        from apps.notifications.services import (
            account_email_schedule,
            treatment_invitation_schedule,
        )

        def on_account_email(sender, user, kind, **kwargs):
            account_email_schedule(user=user, kind=kind)

        account_email_requested.connect(
            on_account_email, dispatch_uid="notifications.account_email", weak=False
        )

        def on_treatment_invitation(sender, treatment, **kwargs):
            treatment_invitation_schedule(treatment=treatment)

        treatment_invitation_requested.connect(
            on_treatment_invitation, dispatch_uid="notifications.treatment_invitation", weak=False
        )
