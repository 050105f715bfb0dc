from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from django.contrib.auth.signals import user_logged_in

        from apps.accounts.services import login_event_record

        def on_login(sender, request, user, **kwargs):
            login_event_record(user=user)

        user_logged_in.connect(on_login, dispatch_uid="accounts.login_event", weak=False)
