"""The client's own calendar: a rating belongs to the day it is where they live."""

import datetime

from django.utils import timezone

from apps.core.time import user_zone


def local_today(user, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in `user`'s time zone (23:30 UTC in summer is tomorrow in London)."""
    return timezone.localdate(now or timezone.now(), timezone=user_zone(user))
