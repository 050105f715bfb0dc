from django.contrib.admin.apps import AdminConfig


class TandemAdminConfig(AdminConfig):
    """django.contrib.admin, whose default site requires two-step verification.

    Listed in INSTALLED_APPS in place of "django.contrib.admin" (Django's
    documented way to replace the default site), so every admin.site.register
    call, django-otp's device admins included, lands on the checked site.
    """

    default_site = "apps.accounts.admin_site.TandemAdminSite"
