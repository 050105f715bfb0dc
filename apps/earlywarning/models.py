"""A service's early-warning thresholds and a PWP's "seen, plan made"."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WarningThresholds(models.Model):
    """Per-service thresholds. An empty field uses the setting's default."""

    service = models.OneToOneField(
        "care.Service", on_delete=models.CASCADE, related_name="warning_thresholds"
    )
    inactive_days = models.PositiveSmallIntegerField(
        _("days without activity"), null=True, blank=True
    )
    recent_days = models.PositiveSmallIntegerField(
        _("days a missed session or questionnaire stays a reason"), null=True, blank=True
    )
    mood_margin = models.DecimalField(
        _("mood fall (points of the 1 to 10 scale)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
    )
    mood_min_ratings = models.PositiveSmallIntegerField(
        _("ratings needed in each mood window"), null=True, blank=True
    )
    phq9_rise = models.PositiveSmallIntegerField(_("PHQ-9 rise"), null=True, blank=True)
    wai_low_max = models.PositiveSmallIntegerField(
        _("WAI-SF-C total counted as low (at most)"), null=True, blank=True
    )
    wai_fall = models.PositiveSmallIntegerField(
        _("WAI-SF-C fall from the early measure"), null=True, blank=True
    )
    bond_gap = models.PositiveSmallIntegerField(
        _("bond subscale below goal and task by"), null=True, blank=True
    )
    client_reply_days = models.PositiveSmallIntegerField(
        _("days before a PWP message counts as unanswered"), null=True, blank=True
    )
    pwp_reply_days = models.PositiveSmallIntegerField(
        _("days before a client message counts as unanswered"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("early-warning thresholds")
        verbose_name_plural = _("early-warning thresholds")

    def __str__(self) -> str:
        return f"Early-warning thresholds for {self.service_id}"


class WarningReview(models.Model):
    """A PWP marked a client's warnings "seen, plan made".

    `seen` keeps each reason's key and severity at that moment; the client
    goes back to the top when a reason is new or worse (rules.new_since).
    """

    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="warning_reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("plan"), max_length=2000)
    seen = models.JSONField(default=dict)
    reasons = models.JSONField(default=list, help_text=_("The reasons in words when seen."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["treatment", "-created_at"])]

    def __str__(self) -> str:
        return f"Warnings seen on {self.treatment_id} at {self.created_at:%Y-%m-%d %H:%M}"
