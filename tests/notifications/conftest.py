import pytest

from apps.notifications.backends import LocmemSMSBackend


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to a list in tests."""
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox
