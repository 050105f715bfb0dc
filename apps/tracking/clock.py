"""The client's own calendar: a rating belongs to the day it is where they live."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's time zone, falling back to the site's when it is unset or unknown."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today(user, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in `user`'s time zone (23:30 UTC in summer is tomorrow in London)."""
    return timezone.localdate(now or timezone.now(), timezone=user_zone(user))
