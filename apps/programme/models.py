"""The client's programme: content (Programme → Module → Step) and progress.

Content rows are created by `manage.py load_content` from the repository's
`content/` folder and may be edited in the admin. Progress rows (ModulePlan,
StepProgress, ExerciseEntry, EntryFeedback) belong to one treatment.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.programme.exercises import get_exercise
from apps.programme.markdown import render_markdown

# --- Content ------------------------------------------------------------------


class Programme(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    release = models.CharField(
        _("content release"),
        max_length=40,
        blank=True,
        help_text=_("The version of the content files last loaded (programme.yaml 'release')."),
    )

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField()
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    mandatory = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    estimated_minutes = models.PositiveSmallIntegerField(_("about how many minutes"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired modules are hidden from clients but keep their progress."),
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "slug"], name="unique_module_slug")
        ]

    def __str__(self) -> str:
        return self.title


class StepKind(models.TextChoices):
    READING = "reading", _("Reading")
    EXERCISE = "exercise", _("Exercise")
    QUIZ = "quiz", _("Quiz")


class Step(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="steps")
    slug = models.SlugField()
    kind = models.CharField(max_length=16, choices=StepKind.choices, default=StepKind.READING)
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("about how many minutes"), default=3)
    body = models.TextField(_("text (Markdown)"), blank=True)
    exercise_type = models.CharField(
        _("exercise type"),
        max_length=32,
        blank=True,
        help_text=_("For exercise steps: a key from apps/programme/exercises."),
    )
    prompts = models.JSONField(_("prompts"), default=list, blank=True)
    questions = models.JSONField(_("quiz questions"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired steps are hidden from clients but keep their progress."),
    )
    # Content versions (apps.programme.revisions): `revision` is the number of
    # the StepRevision the step shows now; `release` the content release it
    # came from. `locally_edited` is set by an edit in the admin and cleared
    # when the step goes back to a release's text; load_content leaves such a
    # step alone unless told to overwrite.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    release = models.CharField(_("release"), max_length=40, blank=True, editable=False)
    locally_edited = models.BooleanField(_("edited here"), default=False, editable=False)

    class Meta:
        ordering = ["module", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="unique_step_slug"),
            models.CheckConstraint(
                name="exercise_step_has_type",
                condition=~Q(kind="exercise") | ~Q(exercise_type=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module.slug}/{self.slug}"

    def is_translated(self, language: str) -> bool:
        """Whether the step's own text exists in `language` (English always does).

        Reads the modeltranslation columns directly (`title_nl`, `body_nl`, ...),
        not the fallback-aware attributes, so an English fallback is not mistaken
        for a translation.
        """
        if language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            return True
        if not getattr(self, f"title_{language}", None) or not getattr(
            self, f"body_{language}", None
        ):
            return False
        if self.kind == StepKind.QUIZ and not getattr(self, f"questions_{language}", None):
            return False
        return not (self.prompts_en and not getattr(self, f"prompts_{language}", None))

    @property
    def shown_language(self) -> str:
        """The language the step's text is shown in now: the reader's, else English."""
        language = get_language() or settings.LANGUAGE_CODE
        if language in settings.MODELTRANSLATION_LANGUAGES and self.is_translated(language):
            return language
        return settings.MODELTRANSLATION_DEFAULT_LANGUAGE

    def body_html(self) -> str:
        """The body rendered to safe HTML, cached per step, language and text."""
        text = self.body or ""
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        key = f"programme:step-html:{self.pk}:{get_language()}:{digest}"
        html = cache.get(key)
        if html is None:
            html = render_markdown(text)
            cache.set(key, html, 60 * 60 * 24)
        return html

    @property
    def exercise(self):
        """The exercise class for this step (quiz steps get the quiz handler)."""
        if self.kind == StepKind.QUIZ:
            return get_exercise("quiz")
        if self.kind == StepKind.EXERCISE:
            return get_exercise(self.exercise_type)
        return None

    @property
    def entry_type(self) -> str:
        return "quiz" if self.kind == StepKind.QUIZ else self.exercise_type

    @property
    def version_label(self) -> str:
        if self.locally_edited:
            return _("Local revision %(n)s (edited after release %(release)s)") % {
                "n": self.revision,
                "release": self.release or "–",
            }
        return _("Release %(release)s (revision %(n)s)") % {
            "release": self.release or "–",
            "n": self.revision,
        }


class RevisionSource(models.TextChoices):
    RELEASE = "release", _("Content release")
    LOCAL = "local", _("Edited here")


class StepRevision(models.Model):
    """One version of a step's content, kept so that it can be seen and restored.

    `content` holds every content field (both languages). A release revision
    is written by load_content; a local one by an edit in the admin or a revert
    to a local revision.
    """

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    source = models.CharField(_("source"), max_length=16, choices=RevisionSource.choices)
    release = models.CharField(_("release"), max_length=40, blank=True)
    content = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["step", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["step", "number"], name="unique_step_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.step} r{self.number} ({self.get_source_display()})"


# --- Progress -----------------------------------------------------------------


class ModulePlan(models.Model):
    """One module in one client's plan.

    `unlocked` is the practitioner's decision (False means "follow the default
    rule", see `selectors.module_plan_for`). `started_at` and `completed_at`
    are written by the step services and are what adherence analysis reads.
    """

    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="module_plans"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="plans")
    unlocked = models.BooleanField(_("opened by the practitioner"), default=False)
    order_override = models.PositiveSmallIntegerField(
        _("order in this plan"), null=True, blank=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["treatment", "module"], name="one_plan_row_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} – {self.module_id}"


class StepProgress(models.Model):
    """What one client did with one step.

    Time on a step (`seconds_spent`) is the sum of gaps between activity
    signals on the step page: opening it, a heartbeat every 30 seconds while
    the page is visible (a small inline script), an autosave, or completing it.
    Each gap counts at most `GAP_CAP_SECONDS` and one visit counts at most
    `VISIT_CAP_SECONDS`, so a tab left open does not inflate the figure.
    Without JavaScript the time from opening to completing counts, with the
    same caps.
    """

    GAP_CAP_SECONDS = 120
    VISIT_CAP_SECONDS = 30 * 60

    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="step_progress"
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="progress")
    # The step's revision when the client first opened it (Step.revision).
    step_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(default=timezone.now)
    last_opened_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    visits = models.PositiveIntegerField(default=1)
    seconds_spent = models.PositiveIntegerField(default=0)
    visit_seconds = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "step progress"
        constraints = [
            models.UniqueConstraint(fields=["treatment", "step"], name="one_progress_row_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} – {self.step_id}"

    def add_activity(self, now) -> None:
        """Count the time since the last activity signal, within the caps."""
        gap = max(0, int((now - self.last_seen_at).total_seconds()))
        gap = min(gap, self.GAP_CAP_SECONDS, max(0, self.VISIT_CAP_SECONDS - self.visit_seconds))
        self.seconds_spent += gap
        self.visit_seconds += gap
        self.last_seen_at = now


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Sent")


class ExerciseEntry(models.Model):
    """One filled-in exercise (or quiz), stored as structured data.

    `data` holds the exercise's fields by name; multi-row exercises keep their
    rows under "rows"; keys starting with "_" hold unsent work in progress.
    `client_request_id` is generated when the form is first shown, so an
    autosave, a double click on Submit or a resent POST all land on this row.
    """

    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="exercise_entries"
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="entries")
    # The step's revision the client answered (set when the entry is made and
    # when it is sent): what they wrote stays tied to the text they saw.
    step_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    exercise_type = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    client_request_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # Goes up by one on every save of the client's text: an autosave based on an
    # older version (another tab or device saved since) is refused, never merged silently.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "exercise entries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client_request_id"], name="unique_entry_request_id"),
            models.CheckConstraint(
                name="submitted_entry_has_time",
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["treatment", "step", "status"])]

    def __str__(self) -> str:
        return f"{self.exercise_type} {self.pk} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == EntryStatus.SUBMITTED

    @property
    def exercise(self):
        return get_exercise(self.exercise_type)

    def summary(self) -> list[dict]:
        return self.exercise.summary(self.data, step=self.step)


class EntryFeedback(models.Model):
    """A practitioner's written feedback on one exercise entry."""

    entry = models.ForeignKey(ExerciseEntry, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entry_feedback"
    )
    text = models.TextField(_("feedback"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "entry feedback"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Feedback on {self.entry_id}"


class FeedbackReply(models.Model):
    """The client's answer to a piece of practitioner feedback, shown with the exercise.

    Client free text: screened for risk when saved (`services.feedback_reply_send`).
    """

    feedback = models.ForeignKey(EntryFeedback, on_delete=models.CASCADE, related_name="replies")
    # The feedback's treatment, kept on the row so the outbox and the risk
    # screen file it under the right client without a join.
    treatment = models.ForeignKey(
        "care.Treatment", on_delete=models.CASCADE, related_name="feedback_replies"
    )
    text = models.TextField(_("your reply"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "feedback replies"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reply to feedback {self.feedback_id}"
