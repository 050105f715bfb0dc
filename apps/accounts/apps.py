from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from django.contrib.auth.signals import user_logged_in

        from apps.accounts.models import LoginEvent, User
        from apps.accounts.services import login_event_record
        from apps.core.audit import register_clients_among, register_identifiable

        # A client's name or email on a page is a read of their record.
        register_identifiable(User, client=lambda u: u.pk if u.__dict__.get("is_client") else None)
        register_identifiable(LoginEvent, user=lambda e: e.__dict__.get("user_id"))
        register_clients_among(
            lambda ids: set(
                User.objects.filter(pk__in=ids, is_client=True).values_list("pk", flat=True)
            )
        )

        def on_login(sender, request, user, **kwargs):
            login_event_record(user=user)

        user_logged_in.connect(on_login, dispatch_uid="accounts.login_event", weak=False)
