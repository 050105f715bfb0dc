from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrialsConfig(AppConfig):
    name = "apps.trials"
    verbose_name = _("Trials")

    def ready(self) -> None:
        # why: models can be imported only once the app registry is ready.
        from apps.core.audit import seal_model
        from apps.trials.models import DataAccessLog

        seal_model(DataAccessLog)
