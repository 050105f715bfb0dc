from django import forms
from django.utils.translation import gettext_lazy as _

from apps.tracking.models import (
    GOAL_RATING_MAX,
    GOAL_RATING_MIN,
    MOOD_MAX,
    MOOD_MIN,
    MoodTag,
)

MOOD_CHOICES = [(i, str(i)) for i in range(MOOD_MIN, MOOD_MAX + 1)]
GOAL_RATING_CHOICES = [(i, str(i)) for i in range(GOAL_RATING_MIN, GOAL_RATING_MAX + 1)]
MOOD_VALUE_ERROR = _("Choose a number from 1 to 10 for how you feel today")
GOAL_VALUE_ERROR = _("Choose a number from 0 to 10 for how close you are")


class NativeDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MoodForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Own ids, so the form can sit on a page beside other forms.
        kwargs.setdefault("auto_id", "mood_%s")
        super().__init__(*args, **kwargs)

    value = forms.TypedChoiceField(
        label=_("How are you feeling today?"),
        help_text=_("1 is very low. 10 is very good."),
        choices=MOOD_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": MOOD_VALUE_ERROR, "invalid_choice": MOOD_VALUE_ERROR},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("Anything you want to remember about today."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = forms.MultipleChoiceField(
        label=_("What was today about? (optional)"),
        help_text=_("Choose any that apply."),
        choices=MoodTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the list")},
    )


class GoalForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Own ids, so the form can sit on a page beside other forms.
        kwargs.setdefault("auto_id", "goal_%s")
        super().__init__(*args, **kwargs)

    title = forms.CharField(
        label=_("What will you do?"),
        help_text=_(
            "Something you can do, for example “walk to the shop and back 3 times a week”."
        ),
        max_length=200,
        error_messages={"required": _("Enter what you will do")},
    )
    why_it_matters = forms.CharField(
        label=_("Why does it matter to you? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    how_ill_know = forms.CharField(
        label=_("How will you know you have done it? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_date = forms.DateField(
        label=_("By when? (optional)"),
        help_text=_("Leave it empty if you are not sure."),
        required=False,
        widget=NativeDateInput,
        error_messages={"invalid": _("Enter a real date, for example 2026-03-27")},
    )
    # Set once the client has seen the "sounds like a feeling" prompt, so the
    # next submit saves whatever they choose.
    vague_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)


class GoalRatingForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Own ids, so the form can sit on a page beside other forms.
        kwargs.setdefault("auto_id", "goal_rating_%s")
        super().__init__(*args, **kwargs)

    value = forms.TypedChoiceField(
        label=_("How close are you now?"),
        help_text=_("0 is not started. 10 is done."),
        choices=GOAL_RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": GOAL_VALUE_ERROR, "invalid_choice": GOAL_VALUE_ERROR},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GoalCommentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "comment_%s")
        super().__init__(*args, **kwargs)

    text = forms.CharField(
        label=_("Add a comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your comment before you send it")},
    )
