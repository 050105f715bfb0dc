import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Service(models.Model):
    """A site: one NHS Talking Therapies service or one trial site."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("site code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,8}$", _("Use 2 to 8 capital letters or digits."))],
        help_text=_("Prefix of participant IDs, e.g. LDN gives LDN-0001."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    next_participant_number = models.PositiveIntegerField(default=1, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StaffRole(models.TextChoices):
    PWP = "pwp", _("Practitioner (PWP)")
    SUPERVISOR = "supervisor", _("Supervisor")


class StaffMembership(models.Model):
    """A staff member's place in a service. Access to clients flows from here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=StaffRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service", "role"], name="unique_membership_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.service.code}"


class TreatmentStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("In treatment")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DROPPED_OUT = "dropped_out", _("Dropped out")


OPEN_STATUSES = (TreatmentStatus.INVITED, TreatmentStatus.ACTIVE)


def default_planned_end(start: datetime.date) -> datetime.date:
    return start + datetime.timedelta(weeks=settings.TREATMENT_WEEKS)


class Treatment(models.Model):
    """An episode of care: one client, their PWP, their service.

    `participant_id` is the pseudonym every export and research view uses in
    place of the client's name or email.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="treatments",
        limit_choices_to={"is_client": True},
    )
    pwp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        limit_choices_to={"is_pwp": True},
        verbose_name=_("practitioner"),
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="treatments")
    participant_id = models.CharField(_("participant ID"), max_length=20, unique=True)
    status = models.CharField(
        max_length=16, choices=TreatmentStatus.choices, default=TreatmentStatus.INVITED
    )
    start_date = models.DateField(_("start date"), default=datetime.date.today)
    planned_end_date = models.DateField(_("planned end date"))
    invited_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    welcome_message = models.TextField(
        _("welcome message"),
        blank=True,
        max_length=2000,
        help_text=_("A personal note from the practitioner, shown on the client's home page."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["invited", "active"]),
                name="one_open_treatment_per_client",
            ),
            models.CheckConstraint(
                name="planned_end_after_start",
                condition=Q(planned_end_date__gt=models.F("start_date")),
            ),
        ]
        indexes = [
            models.Index(fields=["pwp", "status"]),
            models.Index(fields=["service", "status"]),
        ]

    def __str__(self) -> str:
        return self.participant_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def total_weeks(self) -> int:
        return max(1, round((self.planned_end_date - self.start_date).days / 7))

    def week_number(self, today: datetime.date | None = None) -> int | None:
        """Treatment week (1-based) on `today`, capped at the planned length.

        None before the start date or once the treatment has ended.
        """
        today = today or timezone.localdate()
        if not self.is_open or today < self.start_date:
            return None
        return min((today - self.start_date).days // 7 + 1, self.total_weeks)


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    DID_NOT_ATTEND = "did_not_attend", _("Did not attend")
    CANCELLED_BY_CLIENT = "cancelled_by_client", _("Cancelled by client")
    CANCELLED_BY_SERVICE = "cancelled_by_service", _("Cancelled by service")


CANCELLED_STATUSES = (AppointmentStatus.CANCELLED_BY_CLIENT, AppointmentStatus.CANCELLED_BY_SERVICE)


class Appointment(models.Model):
    """A face-to-face session with the PWP (default six of 30 minutes).

    Rescheduling changes `starts_at` on the same row, so the session number
    stays stable. A cancelled session frees its number for a new booking.
    """

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="appointments")
    number = models.PositiveSmallIntegerField(_("session number"))
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("length in minutes"), default=30)
    location = models.CharField(_("where"), max_length=200, blank=True)
    status = models.CharField(
        max_length=24, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["treatment", "number"],
                condition=~Q(status__in=["cancelled_by_client", "cancelled_by_service"]),
                name="one_live_appointment_per_session_number",
            ),
            models.CheckConstraint(name="session_number_positive", condition=Q(number__gte=1)),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.treatment.participant_id} session {self.number}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status in CANCELLED_STATUSES

    @property
    def is_scheduled(self) -> bool:
        return self.status == AppointmentStatus.SCHEDULED


class BespokeTask(models.Model):
    """Something the PWP asked this client to do before a date.

    Either a free-text task ("Walk to the shop and back twice") or a specific
    exercise step of the programme (`step`), with the PWP's own instructions.
    The client marks it done on their home page and may leave a short note.
    """

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, max_length=2000)
    due_date = models.DateField(_("do by"))
    step = models.ForeignKey(
        "programme.Step",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exercise"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)
    client_note = models.TextField(_("note from the client"), blank=True, max_length=2000)
    session_record = models.ForeignKey(
        "SessionRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("agreed in session"),
    )

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["treatment", "done_at", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class SessionNote(models.Model):
    """The PWP's private note about a session. Staff only: never shown to the client."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="session_notes")
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("session"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=10000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Note on {self.treatment_id} by {self.author_id}"


class SessionRecord(models.Model):
    """What the PWP and the client agreed in one session, in the client's words.

    Unlike a session note it is written for the client: their home page shows
    it ("Agreed with Priya on Monday") with the tasks set from it
    (`BespokeTask.session_record`) and the module to do next.
    """

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="session_records"
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="record", verbose_name=_("session")
    )
    agreed = models.TextField(_("what you agreed"), blank=True, max_length=2000)
    goal_changes = models.TextField(_("changes to goals"), blank=True, max_length=2000)
    next_module = models.ForeignKey(
        "programme.Module",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module to do next"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-appointment__starts_at", "-pk"]

    def __str__(self) -> str:
        return f"Agreed in {self.appointment}"


class PractitionerProfile(models.Model):
    """A short, optional introduction a practitioner writes for their clients."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner_profile"
    )
    role_title = models.CharField(_("your role"), max_length=100, blank=True)
    about = models.TextField(_("a few lines about you"), blank=True, max_length=600)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"


class TransitionKind(models.TextChoices):
    DISCHARGE = "discharge", _("Discharged at the end of treatment")
    DROPOUT = "dropout", _("Dropped out")
    TRIAL_WITHDRAWAL = "trial_withdrawal", _("Withdrew from the trial")
    TRANSFER = "transfer", _("Transferred to another practitioner")
    REOPEN = "reopen", _("Re-opened")


class TreatmentTransition(models.Model):
    """One step in a treatment's life: who moved it, when, from what to what, and why.

    Written only by `apps.care.lifecycle`; never edited afterwards.
    """

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="transitions")
    kind = models.CharField(max_length=24, choices=TransitionKind.choices)
    from_status = models.CharField(max_length=16, choices=TreatmentStatus.choices)
    to_status = models.CharField(max_length=16, choices=TreatmentStatus.choices)
    from_pwp = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_pwp = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.treatment_id}: {self.from_status} → {self.to_status}"


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    TRIAL = "trial", _("Taking part in the trial")
    FOLLOW_UP = "follow_up", _("Follow-up contact")
    RESEARCH_DATA = "research_data", _("Use of their data for research")
    TEXT_MESSAGES = "text_messages", _("Text messages")


class Consent(models.Model):
    """A client's current answer on one kind of consent, with when, which version of
    the information sheet, and who recorded it. Changes are kept by auditlog.

    No row means consent was never recorded separately: the client is treated as
    having given it at enrolment (the default for existing clients).
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    given = models.BooleanField(_("consent given"), default=True)
    version = models.CharField(_("information sheet version"), max_length=40)
    decided_on = models.DateField(_("date"), default=datetime.date.today)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "kind"], name="one_consent_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kind}: {'given' if self.given else 'withdrawn'}"


def clients_without_consent(kind: str) -> models.QuerySet:
    """IDs of clients who withdrew (or refused) consent of `kind`, for filters."""
    return Consent.objects.filter(kind=kind, given=False).values("client_id")
