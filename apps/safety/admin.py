from django.contrib import admin

from apps.safety.models import RiskAlert, ServiceSafetyPolicy


@admin.register(ServiceSafetyPolicy)
class ServiceSafetyPolicyAdmin(admin.ModelAdmin):
    list_display = ["service", "contact_within", "escalation_hours"]
    filter_horizontal = ["duty_contacts"]


@admin.register(RiskAlert)
class RiskAlertAdmin(admin.ModelAdmin):
    """Read-only: alerts are acknowledged on the staff alert page, with a note."""

    list_display = ["treatment", "source", "status", "raised_at", "escalated_at", "acknowledged_at"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in RiskAlert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
