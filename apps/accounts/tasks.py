import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import User
from apps.accounts.tokens import invitation_token_generator

TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def _link(name: str, user: User, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[uid, token])


def _send(user: User, template: str, context: dict) -> None:
    context = {"user": user, "site_name": settings.SITE_NAME, **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=6,
)
def send_invitation(user_id: int) -> None:
    """Email an invited client their one-time link to set a password.

    The token is made here, at send time, so no secret crosses the broker.
    Returns quietly if the user is gone or has already set a password.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return
    token = invitation_token_generator.make_token(user)
    days = settings.INVITATION_TIMEOUT // 86400
    _send(
        user,
        "invitation",
        {"link": _link("accounts:invitation_accept", user, token), "days": days},
    )


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=6,
)
def send_password_reset(user_id: int) -> None:
    """Email a password reset link. Returns quietly if the user is gone."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    token = default_token_generator.make_token(user)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    _send(
        user,
        "password_reset",
        {"link": _link("accounts:password_reset_confirm", user, token), "hours": hours},
    )
