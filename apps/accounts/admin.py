from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.api_tokens import api_token_revoke
from apps.accounts.models import ApiToken, LoginEvent, User
from apps.accounts.services import two_step_reset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "is_client",
        "is_pwp",
        "is_supervisor",
        "is_trial_manager",
        "is_staff",
        "is_active",
    ]
    list_filter = [
        "is_client",
        "is_pwp",
        "is_supervisor",
        "is_trial_manager",
        "is_staff",
        "is_superuser",
        "is_active",
    ]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal details"),
            {"fields": ("first_name", "last_name", "preferred_name", "time_zone")},
        ),
        (
            _("Roles"),
            {
                "fields": (
                    "is_client",
                    "is_pwp",
                    "is_supervisor",
                    "is_trial_manager",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                    "groups",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["reset_two_step"]

    @admin.action(description=_("Reset two-step verification (emails a new set-up link)"))
    def reset_two_step(self, request, queryset):
        people = [user for user in queryset if user.is_staff_member]
        for user in people:
            two_step_reset(user=user)
        self.message_user(
            request,
            _(
                "Two-step verification reset for %(n)d staff member(s). Each was emailed "
                "a link to set it up again."
            )
            % {"n": len(people)},
            messages.SUCCESS,
        )


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["user", "at"]
    date_hierarchy = "at"
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: the key was never stored; admins may only revoke."""

    list_display = ["name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["scope"]
    search_fields = ["name", "user__email", "prefix"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
