from django.contrib import admin

from apps.trials.models import DataAccessLog, ExportJob


class ReadOnlyAdmin(admin.ModelAdmin):
    """The access log and export jobs are records: nobody edits or deletes them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "requested_by", "dataset", "file_format", "status", "row_count",
                    "include_free_text", "expires_at"]  # fmt: skip
    list_filter = ["status", "dataset", "include_free_text"]


@admin.register(DataAccessLog)
class DataAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "resource", "row_count", "via_token"]
    list_filter = ["action", "resource", "via_token"]
    date_hierarchy = "at"
