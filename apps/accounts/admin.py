from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import LoginEvent, User


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


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["user", "at"]
    date_hierarchy = "at"
    raw_id_fields = ["user"]
