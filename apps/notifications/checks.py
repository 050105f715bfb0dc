"""System checks: the SMS backend can be loaded and is configured."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

NOTIFY_BACKEND = "apps.notifications.backends.GovUKNotifySMSBackend"


@register()
def check_sms_backend(app_configs=None, **kwargs):
    path = settings.NOTIFICATIONS_SMS_BACKEND
    try:
        import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"NOTIFICATIONS_SMS_BACKEND cannot be loaded: {exc}",
                id="notifications.E001",
            )
        ]
    if path != NOTIFY_BACKEND:
        return []
    missing = [
        name
        for name in ("NOTIFY_API_KEY", "NOTIFY_SMS_TEMPLATE_ID")
        if not getattr(settings, name, "")
    ]
    if missing:
        return [
            Error(
                f"Text messages go through GOV.UK Notify but {' and '.join(missing)} "
                "is not set: every text message would fail.",
                hint="Set both, or choose another NOTIFICATIONS_SMS_BACKEND.",
                id="notifications.E002",
            )
        ]
    return []
