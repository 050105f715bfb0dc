"""Account emails (invitation, password reset), sent through the outbox.

These tasks keep their names and signatures for their callers
(care.services.treatment_enrol, accounts.forms.PasswordResetForm). Each only
sends ``account_email_requested``; notifications' receiver puts a row in its
outbox; the one-time link is made by the
notifications link builder when the message is rendered, at send time, so no
token is stored or crosses the broker.
"""

import datetime

from axes.models import AccessFailureLog, AccessLog
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.signals import account_email_requested


def _minute(moment: datetime.datetime) -> str:
    # Requests in the same minute are one message (a double-clicked button).
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")


@shared_task
def send_invitation(user_id: int) -> None:
    """Queue an invited client's one-time link to set a password.

    Returns quietly if the user is gone, closed, or has already set a password.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return
    now = timezone.now()
    account_email_requested.send(
        sender=User,
        user=user,
        kind="invitation",
        due_at=now,
        dedupe_key=f"invitation:user:{user.pk}:{_minute(now)}",
    )


@shared_task
def send_password_reset(user_id: int) -> None:
    """Queue a password reset link. Returns quietly if the user is gone or closed."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    now = timezone.now()
    account_email_requested.send(
        sender=User,
        user=user,
        kind="password_reset",
        due_at=now,
        dedupe_key=f"password_reset:user:{user.pk}:{_minute(now)}",
    )


@shared_task
def sign_in_records_prune() -> int:
    """Delete django-axes sign-in records older than SIGN_IN_RECORD_RETENTION_DAYS.

    Those records hold an email, an IP address and a browser string per
    sign-in; they serve security review, not care or research (the adherence
    count of logins comes from LoginEvent, which holds neither). Returns how
    many were deleted.
    """
    cutoff = timezone.now() - datetime.timedelta(days=settings.SIGN_IN_RECORD_RETENTION_DAYS)
    deleted = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted
