"""iCalendar (RFC 5545) files for face-to-face sessions.

The file leaves the platform (calendars sync to phones and to the cloud), so
it says only "Appointment with <first name of PWP>" and where: never
"therapy", "depression" or anything clinical.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.care.models import Appointment, AppointmentStatus


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        b = char.encode()
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += b
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, *, host: str = "") -> str:
    """A VCALENDAR with one VEVENT for the session (CANCELLED when it was cancelled)."""
    pwp = appointment.treatment.pwp
    summary = _("Appointment with %(name)s") % {"name": pwp.first_name or pwp.display_name}
    domain = (host or getattr(settings, "SITE_URL", "") or "tandem").split("//")[-1].split(":")[0]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{domain or 'tandem'}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(appointment.location)}",
        # Bumped on every change so calendars replace the old copy.
        f"SEQUENCE:{int(appointment.updated_at.timestamp()) % 2_000_000_000}",
        "STATUS:"
        + (
            "CANCELLED"
            if appointment.status != AppointmentStatus.SCHEDULED and appointment.is_cancelled
            else "CONFIRMED"
        ),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
