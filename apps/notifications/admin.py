from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.notifications.kinds import all_kinds
from apps.notifications.models import Notification, NotificationPreference, Status
from apps.notifications.services import notification_resend


class KindFilter(admin.SimpleListFilter):
    """Kinds come from the registry (other apps add their own), not DB choices."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(spec.value, spec.label) for spec in all_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox. Read-only: rows change only through the services. Failed
    rows (after the last retry) can be sent again with "Resend"."""

    list_display = [
        "id",
        "recipient",
        "kind_label",
        "channel",
        "status",
        "suppressed_reason",
        "due_at",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", KindFilter, "channel", "suppressed_reason"]
    search_fields = ["recipient__email", "dedupe_key", "object_id"]
    date_hierarchy = "due_at"
    list_select_related = ["recipient"]
    actions = ["resend"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_resend_permission(self, request) -> bool:
        # Rows are read-only in the form; resending needs the change permission.
        return request.user.has_perm("notifications.change_notification")

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj: Notification) -> str:
        return obj.kind_label

    @admin.action(description=_("Resend failed messages"), permissions=["resend"])
    def resend(self, request, queryset) -> None:
        done = sum(
            notification_resend(notification=n) for n in queryset.filter(status=Status.FAILED)
        )
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", done)
            % {"n": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d message was skipped: only failed messages can be resent.",
                    "%(n)d messages were skipped: only failed messages can be resent.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "sms_enabled", "mood_reminder_enabled", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
