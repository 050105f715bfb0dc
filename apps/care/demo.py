"""Demo data for the PWP workspace: sessions, a task, a welcome message, a note.

Called by `manage.py demo` with its context. Idempotent: every row is looked
up before it is made, so running the demo again adds nothing.
"""

import datetime
import zoneinfo

from django.utils import timezone

from apps.care.models import Appointment, AppointmentStatus, BespokeTask, SessionNote

# key: [(session number, days after start, status)]; None days = in the future.
SESSIONS = {
    "week1": [(1, None, AppointmentStatus.SCHEDULED)],
    "week3": [(1, 1, AppointmentStatus.ATTENDED), (2, None, AppointmentStatus.SCHEDULED)],
    "week5": [
        (1, 1, AppointmentStatus.ATTENDED),
        (2, 14, AppointmentStatus.ATTENDED),
        (3, 28, AppointmentStatus.DID_NOT_ATTEND),
        (4, None, AppointmentStatus.SCHEDULED),
    ],
    "week9": [
        (1, 1, AppointmentStatus.ATTENDED),
        (2, 14, AppointmentStatus.ATTENDED),
        (3, 28, AppointmentStatus.ATTENDED),
        (4, 42, AppointmentStatus.ATTENDED),
        (5, 56, AppointmentStatus.CANCELLED_BY_CLIENT),
        (5, None, AppointmentStatus.SCHEDULED),
    ],
}

# One practitioner sees all the demo clients: each client's sessions keep their
# own hour so that no two of the PWP's sessions overlap.
HOURS = {"week1": 9, "week3": 10, "week5": 11, "week9": 14}

WELCOME = (
    "Hello Amy, I'm Priya. I'm glad you're starting. Have a look at the first module "
    "before we meet, and send me a message here if anything is unclear."
)


def _at(treatment, day: datetime.date, hour: int = 10) -> datetime.datetime:
    tz = zoneinfo.ZoneInfo(treatment.service.time_zone)
    return datetime.datetime.combine(day, datetime.time(hour, 0)).replace(tzinfo=tz)


def populate(context: dict) -> None:
    today = context["today"]
    treatments = context["treatments"]
    for key, sessions in SESSIONS.items():
        treatment = treatments.get(key)
        if treatment is None:
            continue
        for number, days, status in sessions:
            if Appointment.objects.filter(
                treatment=treatment, number=number, status=status
            ).exists():
                continue
            day = (
                treatment.start_date + datetime.timedelta(days=days)
                if days is not None
                else today + datetime.timedelta(days=3 if key != "week1" else 2)
            )
            while day.weekday() >= 5:
                day += datetime.timedelta(days=1)
            Appointment.objects.create(
                treatment=treatment,
                number=number,
                starts_at=_at(treatment, day, HOURS[key]),
                status=status,
                location="Riverside Clinic, room 2",
                created_by=treatment.pwp,
            )

    week1 = treatments.get("week1")
    if week1 is not None:
        if not week1.welcome_message:
            week1.welcome_message = WELCOME
            week1.save(update_fields=["welcome_message", "updated_at"])
        BespokeTask.objects.get_or_create(
            treatment=week1,
            title="Walk to the shop and back",
            defaults={
                "instructions": "Any day this week. Notice how you feel before and after.",
                "due_date": today + datetime.timedelta(days=4),
                "created_by": week1.pwp,
            },
        )

    week5 = treatments.get("week5")
    if week5 is not None and not SessionNote.objects.filter(treatment=week5).exists():
        session_2 = Appointment.objects.filter(treatment=week5, number=2).first()
        SessionNote.objects.create(
            treatment=week5,
            appointment=session_2,
            author=week5.pwp,
            text=(
                "Reviewed activity diary: low mood on days alone. Agreed two planned "
                "activities with friends. Check the thought record next time."
            ),
            created_at=timezone.now() - datetime.timedelta(days=16),
        )
