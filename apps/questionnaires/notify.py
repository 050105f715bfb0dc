"""Send-time context for questionnaire invitations and reminders (notifications registry).

The link is made when the message is sent, never stored in the outbox: after
treatment (end of treatment and follow-ups) a signed, single-use link that
opens that one questionnaire without signing in; during treatment the
questionnaire page itself (sign-in required). A message about a questionnaire
that is no longer open is suppressed.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from apps.notifications.kinds import Kind, NotificationNotNeeded, register_link_builder
from apps.notifications.models import SuppressedReason
from apps.questionnaires.links import link_url_for
from apps.questionnaires.models import Administration, TimePoint


def questionnaire_link(notification) -> dict:
    administration = (
        Administration.objects.filter(pk=notification.object_id or None)
        .select_related("treatment")
        .first()
    )
    if administration is None:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)
    if not administration.is_answerable(timezone.now()):
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)  # done, missed or closed
    if administration.time_point in TimePoint.AFTER_TREATMENT:
        link = link_url_for(administration)
    else:
        link = settings.SITE_URL.rstrip("/") + reverse(
            "questionnaires:start", args=[administration.pk]
        )
    closes = timezone.localtime(administration.due_until)
    return {"link": link, "closes": formats.date_format(closes, "l j F")}


def register() -> None:
    register_link_builder(Kind.QUESTIONNAIRE_INVITATION, questionnaire_link)
    register_link_builder(Kind.QUESTIONNAIRE_REMINDER, questionnaire_link)
