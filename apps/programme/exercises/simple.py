"""Single-page exercises: cycle, goals, weekly review, reflection."""

import re

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.programme.exercises.base import (
    Exercise,
    FeedbackItem,
    date,
    empty_fields,
    rating,
    text,
    words,
)


class CycleForm(forms.Form):
    trigger = text(
        _("Trigger"),
        help_text=_("What happened, where and when."),
        error=_("Enter what happened, where and when. A few words is fine."),
        rows=3,
    )
    thoughts = text(
        _("Thoughts"), required=False, help_text=_("What went through your mind."), rows=3
    )
    feelings = text(
        _("Feelings and body"),
        required=False,
        help_text=_("How you felt, and what you noticed in your body."),
        rows=3,
    )
    actions = text(
        _("What I did or avoided"),
        required=False,
        help_text=_("What you did next, or what you put off."),
        rows=3,
    )
    outcome = text(
        _("What happened next"),
        required=False,
        help_text=_("How things turned out, and how your mood changed."),
        rows=3,
    )


class Cycle(Exercise):
    key = "cycle"
    title = _("My cycle")
    form_class = CycleForm

    def feedback(self, data, history=(), *, step=None):
        items = [FeedbackItem(_t("You have mapped your own cycle. That takes effort."), "praise")]
        empty = empty_fields(self.get_form(), data)
        if empty:
            items.append(
                FeedbackItem(
                    _t(
                        "You left these boxes empty: %(boxes)s. Look at Tomasz's example for "
                        "ideas, and add them when you are ready."
                    )
                    % {"boxes": ", ".join(empty)},
                    "prompt",
                )
            )
        return items


# A goal about a feeling rather than an action ("feel happier", "be less
# stressed"). Content outline §1: prompt for something the client will *do*.
_VAGUE_GOAL = re.compile(
    r"^\s*(to\s+)?(feel|be|get|become)\s+(more\s+|less\s+|a\s+bit\s+)?"
    r"(happy|happier|better|good|ok|okay|normal|calm|calmer|less|myself|well|fine)\b"
    r"|^\s*(stop|not)\s+(feeling|being)\b"
    r"|^\s*(sort|fix)\s+(my\s+)?(whole\s+)?life",
    re.IGNORECASE,
)


def is_vague_goal(goal: str) -> bool:
    """True when a goal names a feeling instead of something the client will do."""
    return bool(_VAGUE_GOAL.search(goal or "")) or words(goal) < 2


class GoalForm(forms.Form):
    goal = text(_("Goal"), error=_("Enter your goal: something you will do."))
    why = text(_("Why it matters"), required=False, rows=2)
    how_know = text(_("How I'll know"), required=False, rows=2)
    by_when = date(_("By when"), required=False)
    closeness = rating(
        _("How close I am now"), low=_("not started"), high=_("done"), required=False
    )


class Goals(Exercise):
    """Owned by apps.tracking (goal model and form); kept here for the type key,
    staff summaries of goal-shaped data, and the vague-goal rule."""

    key = "goals"
    title = _("My goals")
    form_class = GoalForm
    handled_elsewhere = True

    def feedback(self, data, history=(), *, step=None):
        if is_vague_goal(data.get("goal", "")):
            return [
                FeedbackItem(
                    _t(
                        "This goal is about a feeling. Try a goal that says what you will do, "
                        "for example 'Walk to the park with my neighbour on Saturday'."
                    ),
                    "prompt",
                )
            ]
        return [
            FeedbackItem(
                _t("This goal says what you will do. That makes it easier to start."), "praise"
            )
        ]


class WeeklyReviewForm(forms.Form):
    went_well = text(
        _("What went well"),
        help_text=_("Which activities did you do? Which ones lifted your mood?"),
        error=_("Enter what went well. Even one small thing counts."),
        rows=3,
    )
    barriers = text(
        _("Barriers"),
        required=False,
        help_text=_("What got in the way? For example, tiredness, other people or the weather."),
        rows=3,
    )
    next_step = text(
        _("Next step"),
        help_text=_("What will you try next week?"),
        error=_("Enter one thing you will try next week."),
        rows=3,
    )


class WeeklyReview(Exercise):
    key = "weekly_review"
    title = _("Weekly review")
    form_class = WeeklyReviewForm

    def feedback(self, data, history=(), *, step=None):
        items = [FeedbackItem(_t("Well done for looking back on your week."), "praise")]
        if words(data.get("next_step")) < 4:
            items.append(
                FeedbackItem(
                    _t("Make your next step specific. Say what you will do, when and where."),
                    "prompt",
                )
            )
        if str(data.get("barriers") or "").strip():
            items.append(
                FeedbackItem(
                    _t(
                        "Think about how to get round each barrier next time. The module "
                        "'Tackling problems step by step' can help with bigger ones."
                    ),
                    "info",
                )
            )
        return items


class ReflectionForm(forms.Form):
    """One box per prompt; the prompts come from the step's content."""

    def __init__(self, *args, prompts=(), **kwargs):
        super().__init__(*args, **kwargs)
        for index, prompt in enumerate(prompts, start=1):
            self.fields[f"answer_{index}"] = text(prompt, required=False, rows=3)

    def clean(self):
        cleaned = super().clean()
        if self.fields and not any(str(v or "").strip() for v in cleaned.values()):
            first = next(iter(self.fields))
            self.add_error(
                first, _("Write an answer to at least one question. A few words is fine.")
            )
        return cleaned


class Reflection(Exercise):
    key = "reflection"
    title = _("Reflection")
    form_class = ReflectionForm
    repeatable = False

    def get_form(self, *, step=None, data=None, initial=None):
        prompts = list(step.prompts) if step is not None else []
        return ReflectionForm(data=data, initial=initial, prompts=prompts)

    def summary(self, data, *, step=None):
        if step is None:
            return [{"label": k, "value": v} for k, v in data.items() if not k.startswith("_")]
        return super().summary(data, step=step)

    def feedback(self, data, history=(), *, step=None):
        return [
            FeedbackItem(
                _t(
                    "Thank you for taking time to look back. You have put in real effort to get "
                    "here."
                ),
                "praise",
            )
        ]
