"""Time zones: each person and each service has one; a bad name never breaks a page."""

import zoneinfo

from django.conf import settings


def zone_or_default(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone called `name`; a blank or unknown name gives settings.TIME_ZONE."""
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's own time zone (reminders, the day a mood rating belongs to)."""
    return zone_or_default(user.time_zone)
