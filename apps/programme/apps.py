from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "apps.programme"
    verbose_name = _("Programme")

    def ready(self) -> None:
        # why: imports here run once the app registry is ready (models load after apps).

        from apps.core.audit import register_changes, register_identifiable
        from apps.programme.models import EntryFeedback, ExerciseEntry, ModulePlan, StepProgress

        # ExerciseEntry is not registered: autosave rewrites drafts every few
        # seconds. Sending an entry is logged explicitly in `exercise_submit`.
        register_changes(ModulePlan)
        register_changes(EntryFeedback, clinical_text=["text"])
        for model in (ExerciseEntry, ModulePlan, StepProgress):
            register_identifiable(model, treatment=lambda o: o.__dict__.get("treatment_id"))

        from apps.programme.notify import register_kinds

        register_kinds()
