from django.contrib import admin

from apps.messaging.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: messages are clinical correspondence, changed by nobody."""

    list_display = ["treatment", "from_client", "created_at", "read_at"]
    list_filter = ["from_client"]
    search_fields = ["treatment__participant_id"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
