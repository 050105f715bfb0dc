"""Reads for notifications: preferences, last activity, the staff log."""

import datetime

from django.apps import apps
from django.db.models import DateTimeField, Expression, F, Func, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from apps.accounts.models import User
from apps.care.models import Service, Treatment
from apps.notifications.models import (
    Notification,
    NotificationPreference,
    ServiceQuietHours,
    default_quiet_hours_end,
    default_quiet_hours_start,
)

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

# Where a client's activity leaves a timestamp: (model label, path from the
# model to the user, timestamp field). Each is one indexed MAX() subquery, so
# the inactivity planner stays one query however many clients there are.
ACTIVITY_SOURCES: list[tuple[str, str, str]] = [
    ("accounts.LoginEvent", "user", "at"),
    ("tracking.MoodRating", "client", "updated_at"),
    ("programme.StepProgress", "treatment__client", "last_seen_at"),
]


def preference_for(user: User) -> NotificationPreference:
    """The person's preferences; an unsaved row with the defaults if they have none."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def service_quiet_hours(service: Service) -> tuple[datetime.time, datetime.time]:
    """(start, end) of the service's quiet hours: its own, else the platform's."""
    row = ServiceQuietHours.objects.filter(service=service).values_list("start", "end").first()
    return row or (default_quiet_hours_start(), default_quiet_hours_end())


def _activity_subqueries(user_ref: Expression) -> list[Expression]:
    parts = []
    for label, user_path, field in ACTIVITY_SOURCES:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app that is not installed has no activity to offer
            continue
        # SELECT max(field) ... without GROUP BY (Max() would add one): with
        # an index on (user, field) PostgreSQL reads one index entry.
        latest = (
            model.objects.filter(**{user_path: user_ref})
            .order_by()
            .annotate(latest=Func(F(field), function="MAX", output_field=DateTimeField()))
            .values("latest")
        )
        parts.append(Coalesce(Subquery(latest, output_field=DateTimeField()), Value(EPOCH)))
    return parts


def last_activity_expression(user_ref: Expression | None = None) -> Expression:
    """An ORM expression for a user's last activity, for annotating querysets.

    The latest of: a sign-in (LoginEvent.at), a mood rating saved
    (MoodRating.updated_at) and a programme step seen (StepProgress.last_seen_at).
    Users with none of them get EPOCH (2000-01-01), never NULL, so callers can
    compare safely on every database.
    """
    user_ref = user_ref if user_ref is not None else OuterRef("pk")
    parts = _activity_subqueries(user_ref)
    if len(parts) == 1:
        return parts[0]
    return Greatest(*parts, output_field=DateTimeField())


def last_activity_at(*, user: User) -> datetime.datetime | None:
    """When the person last did something: signed in, rated their mood or worked
    on a programme step. None if they never did any of these.

    Cheap: one query with one indexed MAX() per source (see ACTIVITY_SOURCES).
    Used for the "no activity for N days" nudge.
    """
    latest = (
        User.objects.filter(pk=user.pk)
        .annotate(latest=last_activity_expression())
        .values_list("latest", flat=True)
        .first()
    )
    return None if latest is None or latest <= EPOCH else latest


def notifications_for_treatment(*, treatment: Treatment) -> QuerySet[Notification]:
    """Every message tied to this episode of care, newest due first.

    Includes messages to the client (reminders, questionnaire invitations,
    message alerts) and to staff about the client (safety alerts), each with
    its status and, via `Notification.explanation`, why it was not sent or is
    waiting. Rows carry no message text. The caller has already checked, with
    apps.care.access, that the viewer may see this treatment.
    """
    return (
        Notification.objects.filter(treatment=treatment)
        .select_related("recipient")
        .order_by("-due_at", "-id")
    )
