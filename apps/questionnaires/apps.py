from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "apps.questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).

        from apps.care.signals import treatment_ended
        from apps.core.audit import register_changes, register_identifiable
        from apps.questionnaires import (
            checks,  # noqa: F401  (registers the system checks)
            notify,
            receivers,
            services,
        )
        from apps.questionnaires.models import Administration, QuestionnaireProtocol

        # Answers are saved on every Continue (draft-like), so they are not logged
        # one by one; the completed administration (with its score) is.
        register_changes(Administration, exclude_fields=["link_nonce", "updated_at"])
        register_changes(QuestionnaireProtocol)
        register_identifiable(Administration, treatment=lambda o: o.__dict__.get("treatment_id"))
        notify.register()
        treatment_ended.connect(
            services.on_treatment_ended, dispatch_uid="questionnaires_on_treatment_ended"
        )
        receivers.connect()
