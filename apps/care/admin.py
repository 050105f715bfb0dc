from django.contrib import admin

from apps.care.models import (
    Appointment,
    BespokeTask,
    Service,
    SessionNote,
    StaffMembership,
    Treatment,
)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    search_fields = ["name", "code"]
    inlines = [StaffMembershipInline]


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = ["participant_id", "service", "pwp", "status", "start_date", "planned_end_date"]
    list_filter = ["service", "status"]
    search_fields = ["participant_id", "client__email"]
    raw_id_fields = ["client"]
    # Status, practitioner and end date change only through the lifecycle page
    # (apps.care.lifecycle), which cancels, re-plans and records the history.
    readonly_fields = [
        "participant_id",
        "status",
        "pwp",
        "ended_at",
        "created_at",
        "updated_at",
    ]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["treatment", "number", "starts_at", "status"]
    list_filter = ["status"]
    search_fields = ["treatment__participant_id"]
    raw_id_fields = ["treatment", "created_by"]


@admin.register(BespokeTask)
class BespokeTaskAdmin(admin.ModelAdmin):
    list_display = ["treatment", "title", "due_date", "done_at"]
    search_fields = ["treatment__participant_id", "title"]
    raw_id_fields = ["treatment", "created_by", "step"]


@admin.register(SessionNote)
class SessionNoteAdmin(admin.ModelAdmin):
    list_display = ["treatment", "author", "created_at"]
    search_fields = ["treatment__participant_id"]
    raw_id_fields = ["treatment", "appointment", "author"]
