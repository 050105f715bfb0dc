"""Daily mood ratings and the client's own goals.

A mood rating belongs to the client, not to a treatment: the tracker keeps
working after treatment ends (`treatment` is then None). Staff see only the
ratings made while the treatment they hold was open.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MOOD_MIN = 1
MOOD_MAX = 10
GOAL_RATING_MIN = 0
GOAL_RATING_MAX = 10


class MoodTag(models.TextChoices):
    """What the day was about. A short fixed list so the PWP can look for patterns."""

    SLEEP = "sleep", _("Sleep")
    WORK = "work", _("Work or study")
    FAMILY = "family", _("Family")
    FRIENDS = "friends", _("Friends")
    HEALTH = "health", _("Health")
    EXERCISE = "exercise", _("Exercise")
    MONEY = "money", _("Money")
    ALONE = "alone", _("Time alone")


class MoodRating(models.Model):
    """How the client felt on one day of their own calendar, 1 (very low) to 10 (very good).

    One per client per local day: rating again the same day changes it.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_ratings"
    )
    treatment = models.ForeignKey(
        "care.Treatment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mood_ratings",
        help_text=_("The treatment open when the rating was made; empty after treatment ends."),
    )
    value = models.PositiveSmallIntegerField(
        _("mood"), validators=[MinValueValidator(MOOD_MIN), MaxValueValidator(MOOD_MAX)]
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    tags = models.JSONField(_("what it was about"), default=list, blank=True)
    rated_on = models.DateField(_("day"), help_text=_("The day in the client's own time zone."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rated_on"]
        constraints = [
            models.UniqueConstraint(fields=["client", "rated_on"], name="one_mood_rating_per_day"),
            models.CheckConstraint(
                name="mood_value_1_to_10",
                condition=Q(value__gte=MOOD_MIN, value__lte=MOOD_MAX),
            ),
        ]
        indexes = [models.Index(fields=["treatment", "rated_on"])]

    def __str__(self) -> str:
        return f"{self.client_id} {self.rated_on}: {self.value}"

    def tag_labels(self) -> list[str]:
        labels = dict(MoodTag.choices)
        return [str(labels[t]) for t in self.tags if t in labels]


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Stopped")


class Goal(models.Model):
    """Something the client will do, set alone or with their PWP, rated 0-10 over time."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.PROTECT, null=True, blank=True, related_name="goals"
    )
    title = models.CharField(_("what I will do"), max_length=200)
    why_it_matters = models.TextField(_("why it matters to me"), blank=True, max_length=2000)
    how_ill_know = models.TextField(
        _("how I will know I have done it"), blank=True, max_length=2000
    )
    target_date = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("The client, or the practitioner who set it with them."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    agreed_in = models.ForeignKey(
        "care.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed in session"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE

    def latest_rating(self) -> "GoalRating | None":
        """The newest rating; uses prefetched `ratings` (oldest first) when present."""
        ratings = list(self.ratings.all())
        return max(ratings, key=lambda r: (r.rated_at, r.pk)) if ratings else None


class GoalRating(models.Model):
    """'How close am I now?' 0 (not started) to 10 (done)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    value = models.PositiveSmallIntegerField(
        _("how close I am now"),
        validators=[MinValueValidator(GOAL_RATING_MIN), MaxValueValidator(GOAL_RATING_MAX)],
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rated_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="goal_rating_0_to_10",
                condition=Q(value__gte=GOAL_RATING_MIN, value__lte=GOAL_RATING_MAX),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.rated_at:%Y-%m-%d}: {self.value}"


class GoalComment(models.Model):
    """A comment on a goal by the client or their practitioner; both see all of them."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on goal {self.goal_id}"
