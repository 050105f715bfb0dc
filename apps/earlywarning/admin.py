from django.contrib import admin

from .models import WarningReview, WarningThresholds


@admin.register(WarningThresholds)
class WarningThresholdsAdmin(admin.ModelAdmin):
    list_display = ("service", "inactive_days", "mood_margin", "phq9_rise", "wai_low_max")


@admin.register(WarningReview)
class WarningReviewAdmin(admin.ModelAdmin):
    list_display = ("treatment", "reviewed_by", "created_at")
    readonly_fields = ("treatment", "reviewed_by", "note", "seen", "reasons", "created_at")
