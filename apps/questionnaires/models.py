"""Questionnaire administrations and their answers.

An `Administration` is one instrument given to one client at one time point of
their treatment, with a due window. The definitions and the scoring engine
(`definitions.py`, `scoring.py`) hold every instrument fact; these rows hold
only what happened: when it was due, what the client answered, and the score
the engine gave (stored so reports never re-score with a changed definition).
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.care.models import Appointment, Service, Treatment
from apps.questionnaires.catalogue import definitions_directory
from apps.questionnaires.definitions import load_definitions


class TimePoint:
    """Time points of the protocol. Pre-session ones carry the session number
    (``pre_session_3``) so there is one per session, whichever appointment row
    currently holds that number."""

    BASELINE = "baseline"
    EARLY_ALLIANCE = "early_alliance"
    PRE_SESSION_PREFIX = "pre_session_"
    END_OF_TREATMENT = "end_of_treatment"
    FOLLOWUP_3M = "followup_3m"
    FOLLOWUP_6M = "followup_6m"
    FOLLOWUP_12M = "followup_12m"
    AD_HOC = "ad_hoc"

    FIXED = (
        BASELINE,
        EARLY_ALLIANCE,
        END_OF_TREATMENT,
        FOLLOWUP_3M,
        FOLLOWUP_6M,
        FOLLOWUP_12M,
        AD_HOC,
    )
    FOLLOWUPS = {FOLLOWUP_3M: 3, FOLLOWUP_6M: 6, FOLLOWUP_12M: 12}
    # Time points after treatment ends: invitations carry a sign-in-free link.
    AFTER_TREATMENT = (END_OF_TREATMENT, FOLLOWUP_3M, FOLLOWUP_6M, FOLLOWUP_12M)

    @classmethod
    def pre_session(cls, number: int) -> str:
        return f"{cls.PRE_SESSION_PREFIX}{number}"

    @classmethod
    def session_number(cls, time_point: str) -> int | None:
        if time_point.startswith(cls.PRE_SESSION_PREFIX):
            return int(time_point.removeprefix(cls.PRE_SESSION_PREFIX))
        return None

    @classmethod
    def label(cls, time_point: str) -> str:
        number = cls.session_number(time_point)
        if number is not None:
            return _("Before session %(n)s") % {"n": number}
        return {
            cls.BASELINE: _("Start of treatment"),
            cls.EARLY_ALLIANCE: _("Early in treatment (working alliance)"),
            cls.END_OF_TREATMENT: _("End of treatment"),
            cls.FOLLOWUP_3M: _("3 months after treatment"),
            cls.FOLLOWUP_6M: _("6 months after treatment"),
            cls.FOLLOWUP_12M: _("12 months after treatment"),
            cls.AD_HOC: _("Extra questionnaire"),
        }.get(time_point, time_point)


time_point_validator = RegexValidator(
    r"^(baseline|early_alliance|pre_session_[1-9][0-9]?|end_of_treatment|followup_(3|6|12)m|ad_hoc)$",
    _("Not a known time point."),
)


class AdministrationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Not open yet")
    OPEN = "open", _("Ready to start")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")
    # Due, but the licensed wording (WAI-SF-C) is missing: never opened or sent,
    # never turned "missed"; opens when the wording arrives while still due.
    WAITING_FOR_WORDING = "no_wording", _("Waiting for wording")


ACTIVE_STATUSES = (
    AdministrationStatus.SCHEDULED,
    AdministrationStatus.OPEN,
    AdministrationStatus.IN_PROGRESS,
)
ANSWERABLE_STATUSES = (AdministrationStatus.OPEN, AdministrationStatus.IN_PROGRESS)


class FollowupAnchor(models.TextChoices):
    BASELINE = "baseline", _("the start of treatment (baseline)")
    END_OF_TREATMENT = "end_of_treatment", _("the end of treatment")


#: Named protocols a service or trial site chooses (QuestionnaireProtocol.preset).
#: Data, not code: each is the value of every schedule field. GAD-7 is not in the
#: trial's list; it is added because NHS Talking Therapies measure it each session.
PROTOCOL_PRESETS: dict[str, dict] = {
    "e_compared": {
        "label": _("E-COMPARED trial"),
        "baseline": ["phq9", "gad7"],
        "pre_session": ["phq9", "gad7"],
        "early_alliance": [],
        "early_alliance_after_session": 2,
        "end_of_treatment": [],
        "followup_3m": ["phq9", "wai_sf_c"],
        "followup_6m": ["phq9"],
        "followup_12m": ["phq9"],
        "followup_6m_enabled": True,
        "followup_12m_enabled": True,
        "followup_anchor": "baseline",
        "wai_later_after_long_treatment": True,
        "practitioner_alliance": True,
    },
    "nhs_routine": {
        "label": _("NHS Talking Therapies routine"),
        "baseline": ["phq9", "gad7"],
        "pre_session": ["phq9", "gad7"],
        "early_alliance": [],
        "early_alliance_after_session": 2,
        "end_of_treatment": ["phq9", "gad7"],
        "followup_3m": [],
        "followup_6m": [],
        "followup_12m": [],
        "followup_6m_enabled": False,
        "followup_12m_enabled": False,
        "followup_anchor": "end_of_treatment",
        "wai_later_after_long_treatment": False,
        "practitioner_alliance": True,
    },
    # Issue 14: the alliance measured while it can still be repaired (after the
    # second face-to-face session) and again at the end.
    "alliance_aware": {
        "label": _("Blended care with early alliance check"),
        "baseline": ["phq9", "gad7"],
        "pre_session": ["phq9", "gad7"],
        "early_alliance": ["wai_sf_c"],
        "early_alliance_after_session": 2,
        "end_of_treatment": ["phq9", "gad7", "wai_sf_c"],
        "followup_3m": [],
        "followup_6m": [],
        "followup_12m": [],
        "followup_6m_enabled": False,
        "followup_12m_enabled": False,
        "followup_anchor": "end_of_treatment",
        "wai_later_after_long_treatment": False,
        "practitioner_alliance": True,
    },
}
PROTOCOL_PRESET_CHOICES = [(key, value["label"]) for key, value in PROTOCOL_PRESETS.items()]


class QuestionnaireProtocol(models.Model):
    """A service's (or trial site's) own schedule, replacing the settings default.

    Each list names instrument codes given at that time point; an empty list
    gives nothing there. Without a row the service uses
    ``settings.QUESTIONNAIRE_PROTOCOL``. See docs/questionnaires.md.
    """

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="questionnaire_protocol"
    )
    baseline = models.JSONField(_("at the start"), default=list, blank=True)
    pre_session = models.JSONField(_("before each face-to-face session"), default=list, blank=True)
    early_alliance = models.JSONField(
        _("early in treatment, after a face-to-face session"), default=list, blank=True
    )
    early_alliance_after_session = models.PositiveSmallIntegerField(
        _("early questionnaires open after session"),
        default=2,
        help_text=_("Opens once this face-to-face session is marked attended."),
    )
    end_of_treatment = models.JSONField(_("at the end of treatment"), default=list, blank=True)
    followup_3m = models.JSONField(_("3 months after the end"), default=list, blank=True)
    followup_6m = models.JSONField(_("6 months after the end"), default=list, blank=True)
    followup_12m = models.JSONField(_("12 months after the end"), default=list, blank=True)
    followup_6m_enabled = models.BooleanField(_("give the 6-month follow-up"), default=False)
    followup_12m_enabled = models.BooleanField(_("give the 12-month follow-up"), default=False)
    preset = models.CharField(
        _("named protocol"),
        max_length=32,
        blank=True,
        choices=[("", _("Custom (the lists below)"))] + PROTOCOL_PRESET_CHOICES,
        help_text=_("Choosing a named protocol replaces the lists and options below on save."),
    )
    followup_anchor = models.CharField(
        _("follow-ups count from"),
        max_length=20,
        choices=FollowupAnchor.choices,
        default=FollowupAnchor.END_OF_TREATMENT,
    )
    wai_later_after_long_treatment = models.BooleanField(
        _("WAI-SF-C at 6 months when treatment ran longer than 3 months"),
        default=False,
        help_text=_(
            "E-COMPARED: the alliance questionnaire is given at 3 months, or at 6 months "
            "if treatment was still running at 3 months."
        ),
    )
    practitioner_alliance = models.BooleanField(
        _("the practitioner gives their view (WAI-SF-T) when the client answers the WAI-SF-C"),
        default=True,
        help_text=_(
            "The client's practitioner answers the therapist's version at the same time "
            "points as the client's alliance questionnaire. The client never sees it."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    SCHEDULE_FIELDS = (
        "baseline",
        "pre_session",
        "early_alliance",
        "end_of_treatment",
        "followup_3m",
        "followup_6m",
        "followup_12m",
    )

    class Meta:
        verbose_name = _("questionnaire protocol")

    def __str__(self) -> str:
        return f"Questionnaire protocol for {self.service.code}"

    def save(self, *args, **kwargs):
        self.apply_preset()
        super().save(*args, **kwargs)

    def apply_preset(self) -> None:
        """Copy the named protocol's values into the fields (no-op for a custom one)."""
        for field, value in PROTOCOL_PRESETS.get(self.preset, {}).items():
            if field != "label":
                setattr(self, field, list(value) if isinstance(value, list) else value)

    def clean(self) -> None:
        self.apply_preset()
        known = load_definitions(definitions_directory())
        errors = {}
        for name in self.SCHEDULE_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                errors[name] = _('Enter a list of questionnaire codes, e.g. ["phq9", "gad7"].')
            elif unknown := sorted(set(value) - set(known)):
                errors[name] = _("Unknown questionnaire: %(codes)s.") % {
                    "codes": ", ".join(unknown)
                }
            elif theirs := sorted(c for c in value if known[c].for_practitioner):
                errors[name] = _(
                    "%(codes)s is answered by the practitioner: it follows the client's "
                    "questionnaire it goes with. Leave it out of the lists."
                ) % {"codes": ", ".join(theirs)}
        if errors:
            raise ValidationError(errors)


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Administration(models.Model):
    """One instrument given to one client at one time point, with its due window.

    Scores are copied from the engine's ScoreResult when completed. A missed
    administration stays as a row (status missed) so staff see it.
    """

    treatment = models.ForeignKey(
        Treatment, on_delete=models.PROTECT, related_name="administrations"
    )
    instrument = models.CharField(_("questionnaire"), max_length=40)
    definition_version = models.CharField(max_length=20)
    wording_version = models.CharField(
        max_length=60, blank=True, help_text=_("Version of licensed wording shown (WAI-SF-C).")
    )
    time_point = models.CharField(max_length=24, validators=[time_point_validator])
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="administrations",
    )
    due_from = models.DateTimeField(_("opens"))
    due_until = models.DateTimeField(_("closes"))
    status = models.CharField(
        max_length=16, choices=AdministrationStatus.choices, default=AdministrationStatus.SCHEDULED
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # Who gave the first answer when signed in: the client, or for a practitioner's
    # questionnaire (WAI-SF-T) the PWP who held the client then. Empty via a signed link.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Signed follow-up links carry this nonce; clearing it retires every link.
    link_nonce = models.CharField(max_length=40, blank=True, default=_new_nonce)

    # Score, copied from the engine's ScoreResult.
    valid = models.BooleanField(null=True, blank=True)
    total = models.SmallIntegerField(null=True, blank=True)
    raw_sum = models.SmallIntegerField(null=True, blank=True)
    n_answered = models.PositiveSmallIntegerField(null=True, blank=True)
    prorated = models.BooleanField(null=True, blank=True)
    prorated_exact = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    risk = models.JSONField(default=dict, blank=True)
    severe = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_from", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["treatment", "instrument", "time_point"],
                condition=~Q(time_point="ad_hoc"),
                name="one_administration_per_time_point",
            ),
            # A PWP asking twice (a double submit) gets the questionnaire once:
            # at most one unfinished extra questionnaire per instrument.
            models.UniqueConstraint(
                fields=["treatment", "instrument"],
                condition=Q(time_point="ad_hoc", status__in=["scheduled", "open", "in_progress"]),
                name="one_unfinished_ad_hoc_per_instrument",
            ),
            models.CheckConstraint(
                name="administration_window_ordered",
                condition=Q(due_until__gt=models.F("due_from")),
            ),
            models.CheckConstraint(
                name="completed_administration_has_time",
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="missed_administration_has_time",
                condition=~Q(status="missed") | Q(missed_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_from"]),
            models.Index(fields=["status", "due_until"]),
            models.Index(fields=["treatment", "instrument", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} {self.instrument} {self.time_point}"

    @property
    def time_point_label(self) -> str:
        return TimePoint.label(self.time_point)

    @property
    def is_completed(self) -> bool:
        return self.status == AdministrationStatus.COMPLETED

    def is_answerable(self, now=None) -> bool:
        """Open (or overdue to open) and inside its window."""
        now = now or timezone.now()
        return (
            self.status in (AdministrationStatus.SCHEDULED, *ANSWERABLE_STATUSES)
            and self.due_from <= now < self.due_until
        )

    @property
    def risk_flagged(self) -> bool:
        return any(r.get("flag") is True for r in (self.risk or {}).values())

    @property
    def risk_unknown(self) -> bool:
        return any(r.get("flag") is None for r in (self.risk or {}).values())


class Answer(models.Model):
    """One answer, saved on every Continue so a half-done questionnaire resumes."""

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.PositiveSmallIntegerField()
    value = models.SmallIntegerField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["administration", "item"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.administration_id} item {self.item}"


class AnswerChange(models.Model):
    """One save of a risk item's answer (PHQ-9 item 9): who, when, old → new.

    Kept so that changing item 9 from 3 to 0 before submitting never erases that
    it was once 3; the staff alert page shows it. Written by
    ``administration_answer`` for every risk item save, first answers included
    (``old_value`` None).
    """

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="answer_changes"
    )
    item = models.PositiveSmallIntegerField()
    old_value = models.SmallIntegerField(null=True, blank=True)
    new_value = models.SmallIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via_link = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["administration", "item", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.administration_id} item {self.item}: {self.old_value} → {self.new_value}"
