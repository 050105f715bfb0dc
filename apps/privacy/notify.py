"""The outbox kind that tells a client their copy of their data is ready."""

from django.utils.translation import gettext_lazy as _

from apps.notifications.kinds import register_kind, register_link_builder
from apps.notifications.links import absolute_url
from apps.notifications.models import Notification

DATA_COPY_READY = "data_copy_ready"


def my_data_link(notification: Notification) -> dict:
    """A link to the client's own data page; the email itself holds no data."""
    return {"link": absolute_url("privacy:my_data")}


def register_kinds() -> None:
    # The client asked for it: no preference turns it off.
    register_kind(DATA_COPY_READY, _("Your copy of your data is ready"), mandatory=True)
    register_link_builder(DATA_COPY_READY, my_data_link)
