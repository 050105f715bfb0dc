import datetime
import zoneinfo

import pytest
import time_machine

from apps.notifications.backends import LocmemSMSBackend


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to a list in tests."""
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox


@pytest.fixture
def daytime():
    """A Wednesday morning in London, outside everyone's default quiet hours.

    Tests that expect a message to go out now use it; otherwise they would
    fail whenever the suite runs late in the evening. Tests about quiet hours
    travel to their own moments inside it.
    """
    moment = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(moment, tick=True):
        yield moment
