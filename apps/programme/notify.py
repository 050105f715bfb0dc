"""The outbox kind for a client's reply to feedback, and its send-time link."""

from django.utils.translation import gettext_lazy as _

from apps.notifications.kinds import register_kind, register_link_builder
from apps.notifications.links import absolute_url
from apps.notifications.models import Notification
from apps.programme.services import FEEDBACK_REPLY_KIND


def staff_caseload_link(notification: Notification) -> dict:
    """A link to the caseload: it names no client and no exercise."""
    return {"link": absolute_url("workspace:caseload")}


def register_kinds() -> None:
    # Staff turn these off with the same switch as message alerts.
    register_kind(
        FEEDBACK_REPLY_KIND, _("Reply to your feedback"), preference_field="message_emails"
    )
    register_link_builder(FEEDBACK_REPLY_KIND, staff_caseload_link)
