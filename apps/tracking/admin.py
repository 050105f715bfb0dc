from django.contrib import admin

from apps.tracking.models import Goal, GoalRating, MoodRating


@admin.register(MoodRating)
class MoodRatingAdmin(admin.ModelAdmin):
    list_display = ["client", "rated_on", "value", "treatment"]
    list_filter = ["rated_on"]
    search_fields = ["client__email", "treatment__participant_id"]
    raw_id_fields = ["client", "treatment"]
    date_hierarchy = "rated_on"


class GoalRatingInline(admin.TabularInline):
    model = GoalRating
    extra = 0
    raw_id_fields = ["rated_by"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "client", "status", "target_date", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "client__email", "treatment__participant_id"]
    raw_id_fields = ["client", "treatment", "created_by"]
    inlines = [GoalRatingInline]
