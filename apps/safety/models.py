"""Risk alerts and each service's safety settings.

A risk alert is raised in the same transaction that saves what triggered it:
a completed questionnaire whose answers need a clinician (PHQ-9 item 9 above 0,
item 9 missing, or a severe total), or a sent exercise entry whose safety check
fired (words about suicide or self-harm, apps.safety.keywords). It stays open
until a staff member acknowledges it with a note, and escalates to supervisors
when left unacknowledged.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.care.models import Service, Treatment


class RiskSource(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", _("PHQ-9 item 9 answered above 0")
    PHQ9_SEVERE_TOTAL = "phq9_severe_total", _("PHQ-9 total in the severe range")
    PHQ9_ITEM9_UNKNOWN = "phq9_item9_unknown", _("PHQ-9 item 9 not answered")
    EXERCISE_SAFETY_WORDS = "exercise_safety_words", _("Exercise mentions self-harm or suicide")


class RiskAlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class RiskAlert(models.Model):
    """One reason a completed questionnaire or a sent exercise entry needs a clinician.

    Exactly one of ``administration`` and ``exercise_entry`` is set (what the
    alert is about); one alert per (that, source).
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
            models.CheckConstraint(
                name="alert_about_one_administration_or_one_entry",
                condition=Q(administration__isnull=False, exercise_entry__isnull=True)
                | Q(administration__isnull=True, exercise_entry__isnull=False),
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
        indexes = [models.Index(fields=["status", "raised_at"])]

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
        _("escalate unacknowledged alerts after (hours)"), null=True, blank=True
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
