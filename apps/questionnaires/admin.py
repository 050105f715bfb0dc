from django.contrib import admin

from apps.questionnaires.models import Administration, QuestionnaireProtocol


@admin.register(QuestionnaireProtocol)
class QuestionnaireProtocolAdmin(admin.ModelAdmin):
    list_display = ["service", "preset", "followup_anchor", "followup_6m_enabled", "updated_at"]


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    """Read-only: administrations change through the planner and the client's answers."""

    list_display = ["treatment", "instrument", "time_point", "status", "due_from", "due_until"]
    list_filter = ["status", "instrument"]  # "Waiting for wording": held WAI-SF-C
    readonly_fields = [f.name for f in Administration._meta.fields if f.name != "link_nonce"]
    exclude = ["link_nonce"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
