from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "apps.programme"
    verbose_name = _("Programme")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).
        from auditlog.registry import auditlog

        from apps.programme.models import EntryFeedback, ModulePlan

        # ExerciseEntry is not registered: autosave rewrites drafts every few
        # seconds. Sending an entry is logged explicitly in `exercise_submit`.
        auditlog.register(ModulePlan)
        auditlog.register(EntryFeedback)

        from apps.programme.notify import register_kinds

        register_kinds()
