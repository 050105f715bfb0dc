"""Load a demo service with staff and clients at different points of treatment.

Idempotent: running it again changes nothing and prints the same logins. Each
app may add its own demo data in `apps/<app>/demo.py` with a
`populate(context)` function; they run in INSTALLED_APPS order.
"""

import datetime
import importlib

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import User
from apps.accounts.tokens import invitation_token_generator
from apps.care.models import Service, StaffMembership, StaffRole, Treatment, TreatmentStatus
from apps.care.services import participant_id_allocate

DEMO_PASSWORD = "tandem-demo-2026"

STAFF = [
    # email, first, last, flags, memberships
    ("supervisor@example.org", "Sam", "Okafor", {"is_supervisor": True}, [StaffRole.SUPERVISOR]),
    ("pwp@example.org", "Priya", "Shah", {"is_pwp": True}, [StaffRole.PWP]),
    ("pwp2@example.org", "Tom", "Davies", {"is_pwp": True}, [StaffRole.PWP]),
    ("trials@example.org", "Morgan", "Reid", {"is_trial_manager": True}, []),
    ("admin@example.org", "Alex", "Admin", {"is_staff": True, "is_superuser": True}, []),
]

# key, email, first, last, pwp email, days since start, status
CLIENTS = [
    (
        "invited",
        "new.client@example.org",
        "Jordan",
        "Hughes",
        "pwp@example.org",
        0,
        TreatmentStatus.INVITED,
    ),
    ("week1", "client@example.org", "Amy", "Clarke", "pwp@example.org", 2, TreatmentStatus.ACTIVE),
    (
        "week5",
        "client5@example.org",
        "Ben",
        "Morris",
        "pwp@example.org",
        30,
        TreatmentStatus.ACTIVE,
    ),
    (
        "week9",
        "client9@example.org",
        "Chloe",
        "Evans",
        "pwp@example.org",
        60,
        TreatmentStatus.ACTIVE,
    ),
    (
        "completed",
        "completed@example.org",
        "Dan",
        "Wright",
        "pwp@example.org",
        100,
        TreatmentStatus.COMPLETED,
    ),
    (
        "withdrawn",
        "withdrawn@example.org",
        "Erin",
        "Bell",
        "pwp2@example.org",
        40,
        TreatmentStatus.WITHDRAWN,
    ),
    (
        "week3",
        "client3@example.org",
        "Faisal",
        "Khan",
        "pwp2@example.org",
        16,
        TreatmentStatus.ACTIVE,
    ),
]


class Command(BaseCommand):
    help = "Load demo users and treatments (idempotent) and print their logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins-only",
            action="store_true",
            help="Print the demo logins of an already loaded demo; change nothing.",
        )

    def handle(self, *args, **options):
        if options["logins_only"]:
            self._print({"treatments": self._loaded_treatments()})
            return
        with transaction.atomic():
            context = self._core()
            for config in django_apps.get_app_configs():
                if not config.name.startswith("apps."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.populate(context)
        self._print(context)

    def _user(self, email: str, first: str, last: str, **flags) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, **flags
            )
        return user

    def _core(self) -> dict:
        service, _ = Service.objects.get_or_create(
            code="DEMO", defaults={"name": "Riverside Talking Therapies"}
        )
        staff = {}
        for email, first, last, flags, roles in STAFF:
            user = self._user(email, first, last, **flags)
            for role in roles:
                StaffMembership.objects.get_or_create(user=user, service=service, role=role)
            staff[email] = user

        today = timezone.localdate()
        treatments: dict[str, Treatment] = {}
        for key, email, first, last, pwp_email, days, status in CLIENTS:
            client = User.objects.filter(email=email).first()
            if client is None:
                client = User.objects.create_user(
                    email=email,
                    password=None if status == TreatmentStatus.INVITED else DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    is_client=True,
                )
            treatment = Treatment.objects.filter(client=client).first()
            if treatment is None:
                start = today - datetime.timedelta(days=days)
                now = timezone.now()
                ended = status in (TreatmentStatus.COMPLETED, TreatmentStatus.WITHDRAWN)
                treatment = Treatment.objects.create(
                    client=client,
                    pwp=staff[pwp_email],
                    service=service,
                    participant_id=participant_id_allocate(service=service),
                    status=status,
                    start_date=start,
                    planned_end_date=start + datetime.timedelta(weeks=settings.TREATMENT_WEEKS),
                    invited_at=now - datetime.timedelta(days=days),
                    activated_at=None
                    if status == TreatmentStatus.INVITED
                    else now - datetime.timedelta(days=max(days - 1, 0)),
                    ended_at=now - datetime.timedelta(days=5) if ended else None,
                )
            treatments[key] = treatment
        return {"service": service, "staff": staff, "treatments": treatments, "today": today}

    def _loaded_treatments(self) -> dict[str, Treatment]:
        by_email = {
            t.client.email: t
            for t in Treatment.objects.filter(
                client__email__in=[row[1] for row in CLIENTS]
            ).select_related("client")
        }
        return {key: by_email[email] for key, email, *_ in CLIENTS if email in by_email}

    def _print(self, context: dict) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        out.write(f"  Open {settings.SITE_URL.rstrip('/')}/ and sign in as:")
        for email, first, last, flags, _ in STAFF:
            role = next(k for k, v in flags.items() if v).removeprefix("is_").replace("_", " ")
            role = "admin" if role == "staff" else role
            out.write(f"  {role:<14} {email:<28} {first} {last}")
        for key, t in context["treatments"].items():
            if t.status == TreatmentStatus.INVITED:
                continue
            status = t.get_status_display()
            out.write(f"  client {key:<9} {t.client.email:<28} {t.participant_id}  {status}")
        invited = context["treatments"].get("invited")
        if invited and not invited.client.has_usable_password():
            uid = urlsafe_base64_encode(force_bytes(invited.client.pk))
            token = invitation_token_generator.make_token(invited.client)
            link = settings.SITE_URL.rstrip("/") + reverse(
                "accounts:invitation_accept", args=[uid, token]
            )
            out.write(f"  invited client {invited.client.email}: set a password at\n    {link}")
        out.write("")
