from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from apps.programme.models import (
    EntryFeedback,
    ExerciseEntry,
    Module,
    ModulePlan,
    Programme,
    Step,
    StepProgress,
    StepRevision,
)
from apps.programme.revisions import step_edited, step_revert


@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin):
    list_display = ["title", "slug"]


class StepInline(TranslationStackedInline):
    model = Step
    extra = 0
    ordering = ["order", "pk"]
    fields = [
        "order",
        "slug",
        "kind",
        "title",
        "minutes",
        "body",
        "exercise_type",
        "prompts",
        "questions",
        "is_active",
        "version_label",
    ]
    readonly_fields = ["version_label"]


@admin.register(Module)
class ModuleAdmin(TranslationAdmin):
    list_display = ["title", "slug", "mandatory", "order", "estimated_minutes", "is_active"]
    list_filter = ["mandatory", "is_active"]
    ordering = ["order", "pk"]
    inlines = [StepInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Step:
            # An edit here is a local revision: load_content will not overwrite it.
            for step in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                step_edited(step=step, actor=request.user)


class StepRevisionInline(admin.TabularInline):
    model = StepRevision
    extra = 0
    can_delete = False
    fields = ["number", "source", "release", "note", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-number"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Step)
class StepAdmin(TranslationAdmin):
    """A step with its revisions; saving an edit here makes a local revision."""

    list_display = ["__str__", "title", "kind", "version_label", "is_active"]
    list_filter = ["locally_edited", "kind", "is_active", "module"]
    list_select_related = ["module"]
    search_fields = ["slug", "title"]
    fields = [
        "module",
        "order",
        "slug",
        "kind",
        "title",
        "minutes",
        "body",
        "exercise_type",
        "prompts",
        "questions",
        "is_active",
        "version_label",
    ]
    readonly_fields = ["version_label"]
    inlines = [StepRevisionInline]

    @admin.display(description=_("version"))
    def version_label(self, obj) -> str:
        return obj.version_label

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        step_edited(step=obj, actor=request.user)


@admin.register(StepRevision)
class StepRevisionAdmin(admin.ModelAdmin):
    """Every version of every step; "Revert" puts one back as a new revision."""

    list_display = ["step", "number", "source", "release", "note", "created_by", "created_at"]
    list_filter = ["source", "release"]
    list_select_related = ["step__module", "created_by"]
    search_fields = ["step__slug"]
    readonly_fields = [
        "step",
        "number",
        "source",
        "release",
        "content",
        "note",
        "created_by",
        "created_at",
    ]
    actions = ["revert"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revert the step to the selected revision"))
    def revert(self, request, queryset):
        if queryset.values("step").distinct().count() != queryset.count():
            self.message_user(request, _("Choose one revision per step."), level=messages.WARNING)
            return
        for revision in queryset:
            step_revert(revision=revision, actor=request.user)
        self.message_user(
            request,
            ngettext("Reverted %d step.", "Reverted %d steps.", queryset.count())
            % queryset.count(),
        )


@admin.register(ModulePlan)
class ModulePlanAdmin(admin.ModelAdmin):
    list_display = ["treatment", "module", "unlocked", "started_at", "completed_at"]
    list_select_related = ["treatment", "module"]
    raw_id_fields = ["treatment", "assigned_by"]


@admin.register(StepProgress)
class StepProgressAdmin(admin.ModelAdmin):
    list_display = ["treatment", "step", "opened_at", "completed_at", "seconds_spent", "visits"]
    list_select_related = ["treatment", "step__module"]
    raw_id_fields = ["treatment"]


class EntryFeedbackInline(admin.TabularInline):
    model = EntryFeedback
    extra = 0
    raw_id_fields = ["author"]


@admin.register(ExerciseEntry)
class ExerciseEntryAdmin(admin.ModelAdmin):
    list_display = ["treatment", "exercise_type", "status", "submitted_at", "updated_at"]
    list_filter = ["exercise_type", "status"]
    list_select_related = ["treatment"]
    raw_id_fields = ["treatment"]
    inlines = [EntryFeedbackInline]
