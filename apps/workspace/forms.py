"""Forms of the staff workspace pages (caseload, review, plan)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.care.models import ConsentKind, StaffRole, TransitionKind
from apps.notifications.forms import TimeChoiceField
from apps.programme.models import Module, Step, StepKind
from apps.workspace.selectors import SORTS, STATUS_FILTERS


class CaseloadFilterForm(forms.Form):
    """Sort and filter for the caseload (GET; invalid values fall back to defaults)."""

    status = forms.ChoiceField(label=_("Show"), required=False)
    inactive = forms.BooleanField(
        label=_("Only clients with no activity for 7 days or more"), required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(k, v[0]) for k, v in STATUS_FILTERS.items()]
        self.fields["sort"].choices = list(SORTS.items())

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or "open",
            "inactive_only": bool(data.get("inactive")),
            "sort": data.get("sort") or "attention",
        }


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Your feedback"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The client sees this on their home page and next to their entry."),
        error_messages={"required": _("Write your feedback for the client")},
    )


class WelcomeForm(forms.Form):
    welcome_message = forms.CharField(
        label=_("Welcome message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown at the top of the client's home page. Leave it empty to remove it."),
    )


class TaskForm(forms.Form):
    step = forms.ModelChoiceField(
        label=_("Exercise (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No exercise: a task of your own"),
        help_text=_("Choose an exercise from the programme, or leave this and describe a task."),
    )
    title = forms.CharField(
        label=_("Task"),
        max_length=200,
        required=False,
        help_text=_("For example, walk to the shop and back twice. Optional with an exercise."),
    )
    instructions = forms.CharField(
        label=_("Instructions"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(
        label=_("Do by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date to do it by"),
            "invalid": _("Enter a real date, for example 27 3 2026"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = (
            Step.objects.filter(kind=StepKind.EXERCISE, is_active=True, module__is_active=True)
            .select_related("module")
            .order_by("module__order", "order")
        )
        self.fields["step"].label_from_instance = lambda s: f"{s.module.title}: {s.title}"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("step") and not (cleaned.get("title") or "").strip():
            self.add_error("title", _("Enter the task, or choose an exercise"))
        return cleaned


class ModuleActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("unlock", "unlock"),
            ("lock", "lock"),
            ("up", "up"),
            ("down", "down"),
            ("add", "add"),
        ]
    )
    module = forms.IntegerField()


class TransitionForm(forms.Form):
    """One lifecycle step from the client's record; the rules live in apps.care.lifecycle."""

    kind = forms.ChoiceField(label=_("What happened"), choices=TransitionKind.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown in the record's history. Needed for a dropout, withdrawal or re-opening."
        ),
    )
    to_pwp = forms.ModelChoiceField(
        label=_("Practitioner who takes over"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Only for a transfer."),
    )

    def __init__(self, *args, treatment=None, **kwargs):
        super().__init__(*args, **kwargs)
        if treatment is not None:
            self.fields["to_pwp"].queryset = (
                User.objects.filter(
                    is_active=True,
                    memberships__service=treatment.service,
                    memberships__role=StaffRole.PWP,
                )
                .exclude(pk=treatment.pwp_id)
                .distinct()
            )
            self.fields["to_pwp"].label_from_instance = lambda u: u.get_full_name() or u.email


class ConsentWithdrawalForm(forms.Form):
    withdrawal = forms.ChoiceField(
        label=_("What is the client withdrawing from?"),
        choices=(
            ("stop_treatment", _("Stop treatment")),
            ("stop_follow_up", _("Stop follow-up contact")),
            ("withdraw_research", _("Withdraw their data from research")),
        ),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConsentRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Consent to"), choices=ConsentKind.choices)
    given = forms.TypedChoiceField(
        label=_("Answer"),
        choices=(("yes", _("Given")), ("no", _("Not given or withdrawn"))),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    version = forms.CharField(label=_("Information sheet version"), max_length=40)
    decided_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class ServiceSettingsForm(forms.Form):
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("Session times and reminders use it. For example Europe/London."),
        error_messages={"required": _("Enter the service's time zone")},
    )
    contact_within = forms.CharField(
        label=_("We contact a client at risk within"),
        max_length=60,
        required=False,
        help_text=_(
            'Shown on the crisis page, for example "1 working day". Needs clinical sign-off.'
        ),
    )
    escalation_hours = forms.IntegerField(
        label=_("Escalate an alert nobody has acknowledged after (hours)"),
        min_value=1,
        max_value=168,
        required=False,
        help_text=_("Empty: the platform default."),
        error_messages={
            "invalid": _("Enter a whole number of hours, for example 4"),
            "min_value": _("Enter at least 1 hour"),
            "max_value": _("Enter 168 hours (a week) or fewer"),
        },
    )
    crisis_resources = forms.JSONField(
        label=_("Crisis resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'A list such as [{"name": "Samaritans", "phone": "116 123", "detail": "Any time"}]. '
            "Empty: the defaults of the region. Needs clinical sign-off."
        ),
        error_messages={"invalid": _("Enter the resources as a list in JSON, as in the example")},
    )
    protocol_preset = forms.ChoiceField(
        label=_("Questionnaire protocol"),
        required=False,
        help_text=_(
            "Choosing one replaces the service's questionnaire schedule (docs/questionnaires.md)."
        ),
    )

    quiet_hours_start = TimeChoiceField(
        step_minutes=30,
        label=_("Quiet hours start"),
        error_messages={
            "required": _("Choose when quiet hours start"),
            "invalid_choice": _("Choose when quiet hours start from the list"),
        },
    )
    quiet_hours_end = TimeChoiceField(
        step_minutes=30,
        label=_("Quiet hours end"),
        help_text=_(
            "In each client's own time zone. Reminders wait until the end; safety alerts "
            "never wait. A client can choose their own quiet hours instead."
        ),
        error_messages={
            "required": _("Choose when quiet hours end"),
            "invalid_choice": _("Choose when quiet hours end from the list"),
        },
    )

    def __init__(self, *args, protocol_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol_preset"].choices = [
            ("", _("Keep the current protocol")),
            *protocol_choices,
        ]

    def clean_crisis_resources(self):
        value = self.cleaned_data.get("crisis_resources")
        return [] if value in (None, "") else value


MAX_AGREED_TASKS = 5


class SessionRecordForm(forms.Form):
    """After a session: what was agreed, in a few fields the client will read."""

    appointment = forms.ModelChoiceField(
        label=_("Session"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose the session"),
            "invalid_choice": _("Choose the session"),
        },
    )
    agreed = forms.CharField(
        label=_("What you agreed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In words for the client. They see this on their home page."),
    )
    tasks = forms.CharField(
        label=_("Tasks for the week (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One task on each line, at most 5. Each one goes into the client's tasks."),
    )
    due_date = forms.DateField(
        label=_("Do the tasks by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 27 3 2026")},
    )
    next_module = forms.ModelChoiceField(
        label=_("Module to do next (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No change"),
        help_text=_("It opens for the client now."),
    )
    goal_changes = forms.CharField(
        label=_("Changes to goals (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, treatment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = treatment.appointments.exclude(
            status__in=["cancelled_by_client", "cancelled_by_service", "did_not_attend"]
        ).order_by("-starts_at")
        self.fields["appointment"].label_from_instance = lambda a: (
            _("Session %(n)s, %(date)s")
            % {"n": a.number, "date": timezone.localtime(a.starts_at).strftime("%-d %B %Y")}
        )
        self.fields["next_module"].queryset = Module.objects.filter(is_active=True).order_by(
            "order", "pk"
        )

    def clean_tasks(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["tasks"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_AGREED_TASKS:
            raise forms.ValidationError(_("Write at most 5 tasks, one on each line"))
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError(_("Keep each task under 200 characters"))
        return lines

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tasks") and not cleaned.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_date", _("Enter the date to do the tasks by"))
        if not any(
            cleaned.get(name) for name in ("agreed", "tasks", "next_module", "goal_changes")
        ) and not self.errors.get("tasks"):
            self.add_error("agreed", _("Write what you agreed, or add a task or a module"))
        return cleaned


class StaffGoalForm(forms.Form):
    """A goal the PWP proposes or changes with the client (in the client's words)."""

    title = forms.CharField(
        label=_("What the client will do"),
        max_length=200,
        help_text=_("In the client's words, for example “walk to the shop and back 3 times”."),
        error_messages={"required": _("Enter what the client will do")},
    )
    why_it_matters = forms.CharField(
        label=_("Why it matters to them (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    how_ill_know = forms.CharField(
        label=_("How they will know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target_date = forms.DateField(
        label=_("By when (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 27 3 2026")},
    )


class GoalAgreeForm(forms.Form):
    appointment = forms.ModelChoiceField(
        label=_("Agreed in session"),
        queryset=None,
        required=False,
        empty_label=_("Not agreed in a session yet"),
    )

    def __init__(self, *args, treatment, **kwargs):
        kwargs.setdefault("auto_id", "agree_%s")
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = treatment.appointments.filter(
            starts_at__lte=timezone.now()
        ).exclude(status__in=["cancelled_by_client", "cancelled_by_service"])
        self.fields["appointment"].label_from_instance = lambda a: (
            _("Session %(n)s, %(date)s")
            % {"n": a.number, "date": timezone.localtime(a.starts_at).strftime("%-d %B %Y")}
        )
