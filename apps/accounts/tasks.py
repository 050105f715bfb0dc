"""Background work of the accounts app.

`send_invitation` and `send_password_reset` stay only so that messages
already queued under these names by an older release still work: new code
sends `apps.accounts.signals` inside its transaction instead (the outbox row
is then written by the notifications app in that same transaction).
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.signals import account_email_requested


@shared_task
@transaction.atomic
def send_invitation(user_id: int) -> None:
    """Old queued invitations: ask for the email now (see the module docstring)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and not user.has_usable_password():
        account_email_requested.send(sender=User, user=user, kind="invitation")


@shared_task
@transaction.atomic
def send_password_reset(user_id: int) -> None:
    """Old queued password resets: ask for the email now (see the module docstring)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        account_email_requested.send(sender=User, user=user, kind="password_reset")


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
    deleted += AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted
