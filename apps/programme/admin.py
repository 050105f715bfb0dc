from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from apps.programme.models import (
    EntryFeedback,
    ExerciseEntry,
    Module,
    ModulePlan,
    Programme,
    Step,
    StepProgress,
)


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
    ]


@admin.register(Module)
class ModuleAdmin(TranslationAdmin):
    list_display = ["title", "slug", "mandatory", "order", "estimated_minutes", "is_active"]
    list_filter = ["mandatory", "is_active"]
    ordering = ["order", "pk"]
    inlines = [StepInline]


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
