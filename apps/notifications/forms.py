import datetime
import functools

from django import forms
from django.utils.dateformat import time_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.accounts.services import time_zone_is_known
from apps.notifications.models import NotificationPreference


def _times(step_minutes: int, first_hour: int = 0, last_hour: int = 23) -> list[tuple[str, str]]:
    choices = []
    for hour in range(first_hour, last_hour + 1):
        for minute in range(0, 60, step_minutes):
            at = datetime.time(hour, minute)
            choices.append((at.strftime("%H:%M"), _time_label(at)))
    return choices


def _time_label(at: datetime.time) -> str:
    # English readers get "9:30am"; other languages their own clock ("09:30").
    if get_language().startswith("en"):
        return at.strftime("%I:%M%p").lstrip("0").lower()
    return time_format(at, "H:i")


class TimeChoiceField(forms.TypedChoiceField):
    """A time picked from a short list: easier on a phone than typing one."""

    def __init__(self, *, step_minutes: int, **kwargs):
        super().__init__(
            # A callable: the labels are made in the reader's language each time.
            choices=functools.partial(_times, step_minutes),
            coerce=datetime.time.fromisoformat,
            **kwargs,
        )

    def prepare_value(self, value):
        if isinstance(value, datetime.time):
            return value.strftime("%H:%M")
        return value


# Europe/London first (the default), then zones our clients are likely to be in.
TIME_ZONES = [
    ("Europe/London", _("UK – London")),
    ("Europe/Dublin", _("Ireland – Dublin")),
    ("Europe/Paris", _("France – Paris")),
    ("Europe/Berlin", _("Germany – Berlin")),
    ("Europe/Madrid", _("Spain – Madrid")),
    ("Europe/Lisbon", _("Portugal – Lisbon")),
    ("Europe/Amsterdam", _("Netherlands – Amsterdam")),
    ("Europe/Warsaw", _("Poland – Warsaw")),
    ("Atlantic/Canary", _("Canary Islands")),
    ("America/New_York", _("USA – New York")),
    ("Asia/Kolkata", _("India – Kolkata")),
    ("Australia/Sydney", _("Australia – Sydney")),
]


def time_zone_choices(current: str) -> list[tuple[str, str]]:
    """The short list, plus the person's current zone (set by an admin) if not in it."""
    choices = list(TIME_ZONES)
    if current and current not in dict(choices) and time_zone_is_known(current):
        choices.append((current, current.replace("_", " ")))
    return choices


class PreferenceForm(forms.ModelForm):
    """What a client can choose. Rules (text needs a number, mood reminder
    outside quiet hours) live in services.preference_update; the time zone is
    saved by accounts.services.user_time_zone_set."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_("We send reminders at the times you choose in this time zone."),
        # Left out of a post (the select always sends one): keep the current zone.
        required=False,
        error_messages={"invalid_choice": _("Choose your time zone from the list.")},
    )

    mood_reminder_time = TimeChoiceField(
        step_minutes=30,
        label=_("What time should we remind you?"),
        help_text=_("In your own time zone."),
    )
    quiet_hours_start = TimeChoiceField(step_minutes=60, label=_("Do not send messages from"))
    quiet_hours_end = TimeChoiceField(step_minutes=60, label=_("until"))

    class Meta:
        model = NotificationPreference
        fields = [
            "email_enabled",
            "sms_enabled",
            "phone_number",
            "session_reminders",
            "questionnaire_reminders",
            "message_emails",
            "inactivity_nudges",
            "mood_reminder_enabled",
            "mood_reminder_time",
            "quiet_hours_start",
            "quiet_hours_end",
        ]
        labels = {
            "email_enabled": _("Email"),
            "sms_enabled": _("Text message"),
            "phone_number": _("Mobile number"),
            "session_reminders": _("A reminder the day before each session"),
            "questionnaire_reminders": _("Questionnaires and reminders to fill them in"),
            "message_emails": _("When your practitioner sends you a message"),
            "inactivity_nudges": _("A friendly nudge if you have not signed in for a while"),
            "mood_reminder_enabled": _("A daily reminder to check in"),
        }
        help_texts = {
            "phone_number": _("Only needed for text messages. For example, 07700 900 123")
        }
        widgets = {
            "phone_number": forms.TextInput(
                attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}
            )
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        field.choices = time_zone_choices(user.time_zone)
        field.initial = user.time_zone
        self._current_time_zone = user.time_zone

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"] or self._current_time_zone
        if not time_zone_is_known(name):
            raise forms.ValidationError(_("Choose your time zone from the list."))
        return name

    def clean_phone_number(self) -> str:
        number = self.cleaned_data.get("phone_number", "")
        return "".join(ch for ch in number if ch.isdigit() or ch == "+")


class StaffPreferenceForm(forms.ModelForm):
    """What a member of staff can choose: emails about client messages.

    Risk alerts and escalations are not optional and are not offered here.
    """

    class Meta:
        model = NotificationPreference
        fields = ["message_emails"]
        labels = {"message_emails": _("Email me when a client sends me a message")}
        help_texts = {
            "message_emails": _(
                "At most one email an hour for each conversation. It never includes the message."
            )
        }
