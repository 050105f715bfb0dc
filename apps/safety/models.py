"""Risk alerts and each service's safety settings.

A risk alert is raised in the same transaction that saves what triggered it:
a completed questionnaire whose answers need a clinician (PHQ-9 item 9 above 0,
item 9 missing, or a severe total), or a sent exercise entry whose safety check
fired (words about suicide or self-harm, apps.safety.keywords). It stays open
until a staff member acknowledges it with a note, and escalates to supervisors
when left unacknowledged.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.care.models import Service, Treatment
from apps.safety.screen import parse_extra_phrases


class RiskSource(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", _("PHQ-9 item 9 answered above 0")
    PHQ9_SEVERE_TOTAL = "phq9_severe_total", _("PHQ-9 total in the severe range")
    PHQ9_ITEM9_UNKNOWN = "phq9_item9_unknown", _("PHQ-9 item 9 not answered")
    EXERCISE_SAFETY_WORDS = "exercise_safety_words", _("Exercise mentions self-harm or suicide")
    MESSAGE_SAFETY_WORDS = "message_safety_words", _("Message mentions self-harm or suicide")
    MOOD_NOTE_SAFETY_WORDS = "mood_note_safety_words", _("Mood note mentions self-harm or suicide")
    GOAL_SAFETY_WORDS = "goal_safety_words", _("Goal mentions self-harm or suicide")
    FEEDBACK_REPLY_SAFETY_WORDS = (
        "feedback_reply_safety_words",
        _("Reply to feedback mentions self-harm or suicide"),
    )
    QUESTIONNAIRE_TEXT_SAFETY_WORDS = (
        "questionnaire_text_safety_words",
        _("Questionnaire text mentions self-harm or suicide"),
    )


#: Sources raised by the risk screen on a client's free text (what the alert is
#: about is ``RiskAlert.subject``: a message, a mood rating, a goal or goal rating).
TEXT_SOURCES = frozenset(
    {
        RiskSource.MESSAGE_SAFETY_WORDS,
        RiskSource.MOOD_NOTE_SAFETY_WORDS,
        RiskSource.GOAL_SAFETY_WORDS,
        RiskSource.FEEDBACK_REPLY_SAFETY_WORDS,
        RiskSource.QUESTIONNAIRE_TEXT_SAFETY_WORDS,
    }
)


class EscalationStep(models.IntegerChoices):
    """Who an alert is addressed to, in order, until someone acknowledges it."""

    PWP = 0, _("The client's practitioner")
    SUPERVISORS = 1, _("The service's supervisors")
    DUTY = 2, _("The service's duty and safety contacts")
    ADMINS = 3, _("Administrators")


class RiskAlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class RiskAlert(models.Model):
    """One reason a questionnaire, a sent exercise entry or a client's text needs a clinician.

    Exactly one of ``administration``, ``exercise_entry`` and the generic
    ``subject`` (a message, mood rating, goal or goal rating: the risk screen on
    free text) is set; one alert per (that, source), one OPEN alert per entry or
    subject and source.
    """

    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="risk_alerts")
    source = models.CharField(max_length=40, choices=RiskSource.choices)
    administration = models.ForeignKey(
        "questionnaires.Administration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_alerts",
    )
    exercise_entry = models.ForeignKey(
        "programme.ExerciseEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_alerts",
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # What the risk screen matched ([{"category", "phrase"}]); never the client's words.
    screen_matches = models.JSONField(default=list, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=RiskAlertStatus.choices, default=RiskAlertStatus.OPEN
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The escalation chain: the step whose people were told last, and when the
    # next step is due (None once the chain has no further step).
    escalation_step = models.PositiveSmallIntegerField(
        choices=EscalationStep.choices, default=EscalationStep.PWP
    )
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "source"], name="one_alert_per_source_and_administration"
            ),
            # An editable plan can be sent again later: while its alert is open a
            # re-send adds nothing; once acknowledged, a new send that still
            # mentions self-harm raises a new alert, so no flag is lost.
            models.UniqueConstraint(
                fields=["exercise_entry", "source"],
                condition=Q(status="open"),
                name="one_open_alert_per_source_and_exercise_entry",
            ),
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "source"],
                condition=Q(status="open"),
                name="one_open_alert_per_source_and_subject",
            ),
            models.CheckConstraint(
                name="alert_about_one_administration_entry_or_subject",
                condition=Q(
                    administration__isnull=False,
                    exercise_entry__isnull=True,
                    subject_type__isnull=True,
                )
                | Q(
                    administration__isnull=True,
                    exercise_entry__isnull=False,
                    subject_type__isnull=True,
                )
                | Q(
                    administration__isnull=True,
                    exercise_entry__isnull=True,
                    subject_type__isnull=False,
                    subject_id__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="acknowledged_alert_has_note_and_person",
                condition=Q(status="open")
                | (
                    Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False)
                    & ~Q(acknowledgement_note="")
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "raised_at"]),
            models.Index(fields=["status", "next_escalation_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} {self.source} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == RiskAlertStatus.OPEN

    @property
    def exercise_title(self) -> str:
        """The exercise an entry alert came from ("Thought record"); "" for a questionnaire."""
        entry = self.exercise_entry
        if entry is None:
            return ""
        try:
            return str(entry.exercise.title)
        except KeyError:  # an exercise type no longer in the programme: still say something
            return entry.exercise_type

    @property
    def subject_label(self) -> str:
        """What a text alert came from ("Message", "Mood rating"); "" otherwise."""
        if self.subject_type_id is None:
            return ""
        model = ContentType.objects.get_for_id(self.subject_type_id).model_class()
        return str(model._meta.verbose_name).capitalize() if model else ""


class RiskAlertNotice(models.Model):
    """One person told about an alert, at one step of the escalation chain."""

    alert = models.ForeignKey(RiskAlert, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    step = models.PositiveSmallIntegerField(choices=EscalationStep.choices)
    notified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notified_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient"], name="one_notice_per_person")
        ]

    def __str__(self) -> str:
        return f"alert {self.alert_id} → {self.recipient_id} ({self.get_step_display()})"


class ServiceSafetyPolicy(models.Model):
    """A service's own crisis resources, contact promise and escalation delay.

    Blank fields fall back to settings (RISK_CONTACT_WITHIN, RISK_ESCALATION_HOURS)
    and the UK default resources. Every value here needs clinical sign-off.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="safety_policy")
    crisis_resources = models.JSONField(
        _("crisis resources"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"name", "detail", "phone" or "text", "heading"}. Leave empty for the '
            "defaults of the region."
        ),
    )
    crisis_resources_translated = models.JSONField(
        _("crisis resources per language"),
        default=dict,
        blank=True,
        help_text=_(
            'Per language code, a list like the one above, e.g. {"nl": [...]}. '
            "A language not listed uses the list above."
        ),
    )
    region = models.CharField(
        _("region"),
        max_length=2,
        choices=[("gb", _("United Kingdom")), ("nl", _("Netherlands"))],
        blank=True,
        help_text=_(
            "Whose default crisis numbers to show when the lists above are empty. "
            "Empty: chosen by the reader's language."
        ),
    )
    contact_within = models.CharField(
        _("we contact the client within"),
        max_length=60,
        blank=True,
        help_text=_('Shown on the crisis page, e.g. "1 working day". Needs clinical sign-off.'),
    )
    escalation_hours = models.PositiveSmallIntegerField(
        _("escalate unacknowledged alerts after (hours)"),
        null=True,
        blank=True,
        help_text=_(
            "The wait before each next step of the chain (practitioner → supervisors → "
            "duty contacts → administrators). Empty: RISK_ESCALATION_HOURS."
        ),
    )
    duty_contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="duty_for_policies",
        verbose_name=_("duty and safety contacts"),
        help_text=_(
            "Staff told about an alert when the practitioner and supervisors have not "
            "acknowledged it in time, or cannot be reached."
        ),
    )
    extra_phrases = models.TextField(
        _("extra risk phrases"),
        blank=True,
        help_text=_(
            "Phrases the risk screen also alerts on, one a line, in the phrase syntax of "
            'apps/safety/screen.py (e.g. "sleep forever|for ever"). Needs clinical sign-off.'
        ),
    )

    class Meta:
        verbose_name = _("service safety policy")
        verbose_name_plural = _("service safety policies")

    def __str__(self) -> str:
        return f"Safety policy for {self.service.code}"

    def clean(self) -> None:
        self._clean_resources(self.crisis_resources, "crisis_resources")
        translated = self.crisis_resources_translated
        if not isinstance(translated, dict) or not all(isinstance(k, str) for k in translated):
            raise ValidationError(
                {
                    "crisis_resources_translated": _(
                        'Enter lists of resources by language code, e.g. {"nl": [...]}.'
                    )
                }
            )
        for resources in translated.values():
            self._clean_resources(resources, "crisis_resources_translated")
        try:
            parse_extra_phrases(self.extra_phrases)
        except (ValueError, KeyError) as exc:
            raise ValidationError({"extra_phrases": str(exc)}) from None
        if self.escalation_hours == 0:
            raise ValidationError({"escalation_hours": _("Enter at least 1 hour.")})

    @staticmethod
    def _clean_resources(resources, field: str) -> None:
        if not isinstance(resources, list):
            raise ValidationError({field: _("Enter a list of resources.")})
        for r in resources:
            if (
                not isinstance(r, dict)
                or not isinstance(r.get("name"), str)
                or not r["name"].strip()
                or not isinstance(r.get("detail", ""), str)
                or set(r) - {"name", "detail", "phone", "text", "heading"}
            ):
                raise ValidationError(
                    {
                        field: _(
                            'Each resource needs a "name" and may have "detail", "phone", '
                            '"text" and "heading", nothing else.'
                        )
                    }
                )
