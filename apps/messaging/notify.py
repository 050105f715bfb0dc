"""Send-time context for the message alert to staff (kind new_client_message)."""

from apps.notifications.kinds import Kind, register_link_builder
from apps.notifications.links import absolute_url
from apps.notifications.models import Notification


def staff_inbox_link(notification: Notification) -> dict:
    """A link to the staff inbox: it names no client and no conversation."""
    return {"link": absolute_url("messaging:inbox")}


def register_link_builders() -> None:
    register_link_builder(Kind.NEW_CLIENT_MESSAGE, staff_inbox_link)
