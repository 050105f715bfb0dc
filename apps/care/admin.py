from django.contrib import admin

from apps.care.models import Service, StaffMembership, Treatment


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
    raw_id_fields = ["client", "pwp"]
    readonly_fields = ["participant_id", "created_at", "updated_at"]
