"""Plans: staying well, exercise plan with log, problem solving."""

import datetime
import re
from collections import Counter, defaultdict

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.programme.exercises.base import (
    ROWS,
    Exercise,
    FeedbackItem,
    choice,
    date,
    mean,
    number,
    rating,
    text,
    words,
)
from apps.safety.keywords import mentions_abuse, mentions_self_harm

# --- Staying well plan -------------------------------------------------------------

TOOL_NAMES = {
    "cycle": _("Mapping my cycle"),
    "activity_diary": _("Activity diary"),
    "activity_list": _("Activity list"),
    "activity_schedule": _("Planning my week"),
    "weekly_review": _("Weekly review"),
    "thought_record": _("Thought records"),
    "exercise_plan": _("Being active"),
    "problem_solving": _("Problem solving"),
}


class StayingWellForm(forms.Form):
    progress = text(_("My progress"), required=False, help_text=_("How far you have come."), rows=3)
    what_helped = text(
        _("What helped"),
        required=False,
        help_text=_("The tools and activities that worked for you."),
        rows=3,
    )
    keep_doing = text(
        _("What I'll keep doing"), required=False, help_text=_("Your weekly habits."), rows=3
    )
    triggers = text(
        _("Triggers"), required=False, help_text=_("Things that might bring low mood back."), rows=3
    )
    warning_thoughts = text(_("Warning signs in my thoughts"), required=False, rows=2)
    warning_feelings = text(_("Warning signs in my feelings"), required=False, rows=2)
    warning_body = text(_("Warning signs in my body"), required=False, rows=2)
    warning_behaviour = text(
        _("Warning signs in what I do"),
        required=False,
        help_text=_("For example, cancelling plans or sleeping more."),
        rows=2,
    )
    if_then = text(
        _("If-then actions"),
        required=False,
        help_text=_("If I notice this, I will do that."),
        rows=4,
    )
    supporters = text(
        _("People who can support me, and how"),
        error=_("Add at least one person who can support you, and how they can help."),
        rows=3,
    )
    professional_contacts = text(
        _("Professional and crisis contacts"),
        help_text=_("For example your GP, NHS Talking Therapies and the Get help now page."),
        error=_("Add at least one professional contact, for example your GP."),
        rows=3,
    )
    review_date = date(_("Review date (optional)"), required=False)


WARNING_FIELDS = ("warning_thoughts", "warning_feelings", "warning_body", "warning_behaviour")


class StayingWellPlan(Exercise):
    key = "staying_well_plan"
    title = _("Staying well plan")
    form_class = StayingWellForm
    editable_after_submit = True
    repeatable = False

    def initial(self, *, history, step=None):
        """Pre-fill "what helped" with the tools the client used most."""
        used = Counter(h.exercise_type for h in history if h.exercise_type in TOOL_NAMES)
        if not used:
            return {}
        return {"what_helped": "\n".join(str(TOOL_NAMES[k]) for k, _n in used.most_common(4))}

    def feedback(self, data, history=(), *, step=None):
        items = []
        if mentions_self_harm(*(data.get(f) for f in (*WARNING_FIELDS, "triggers"))):
            items.append(
                FeedbackItem(
                    _t(
                        "If thoughts of death or hurting yourself come back, get help straight "
                        "away. "
                        "Use the contacts below."
                    ),
                    "safety",
                )
            )
        items.append(
            FeedbackItem(
                _t("You have made your staying well plan. Keep it somewhere handy."), "praise"
            )
        )
        if all(words(data.get(f)) == 0 for f in WARNING_FIELDS):
            items.append(
                FeedbackItem(
                    _t(
                        "Add at least one early warning sign, such as sleeping more or cancelling "
                        "plans."
                    ),
                    "prompt",
                )
            )
        elif any(0 < words(data.get(f)) < 2 for f in WARNING_FIELDS):
            items.append(
                FeedbackItem(
                    _t("Make your warning signs as specific as you can, so they are easy to spot."),
                    "prompt",
                )
            )
        plan = str(data.get("if_then") or "").lower()
        if not plan.strip():
            items.append(
                FeedbackItem(
                    _t(
                        "Add what you will do if you notice a warning sign: 'If I notice..., I "
                        "will...'."
                    ),
                    "prompt",
                )
            )
        elif not re.search(r"\b(if|when)\b", plan):
            items.append(
                FeedbackItem(
                    _t("Try writing each action as 'If I notice..., I will...'."), "prompt"
                )
            )
        return items


# --- Exercise plan -------------------------------------------------------------------

HEALTH_CHOICES = [
    ("heart", _("A heart condition")),
    ("chest_pain", _("Chest pain")),
    ("dizziness", _("Dizziness or fainting")),
    ("joints", _("Joint problems")),
    ("medicines", _("Blood pressure or heart medicines")),
    ("other", _("Any other reason not to exercise")),
    ("none", _("None of these")),
]
INTENSITY_CHOICES = [
    ("light", _("Light")),
    ("moderate", _("Moderate: I can talk but not sing")),
    ("vigorous", _("Vigorous: I can't say more than a few words")),
]
# UK Chief Medical Officers (2019), adults: 150 minutes of moderate activity a
# week. Shown for reference only: clients judge progress against their own goal.
CMO_WEEKLY_MINUTES = 150


class ExercisePlanForm(forms.Form):
    smart_goal = text(
        _("My goal"),
        help_text=_("Say what you will do, how often and by when."),
        error=_("Enter your goal, for example walk for 10 minutes on 3 days a week."),
        rows=2,
    )
    health_check = forms.MultipleChoiceField(
        label=_("Do any of these apply to you?"),
        choices=HEALTH_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("If any apply, see your GP before you start."),
        error_messages={
            "required": _("Select the ones that apply to you, or select 'None of these'."),
        },
    )
    activity_type = text(_("Type of activity"), error=_("Enter the activity you will do."))
    days_times = text(_("Days and times"), error=_("Enter which days and times you will do it."))
    minutes_goal = number(
        _("My weekly goal in minutes"),
        minimum=1,
        maximum=2000,
        width=4,
        error=_("Enter how many minutes a week you are aiming for, for example 60."),
    )
    intensity = choice(_("How hard?"), INTENSITY_CHOICES, error=_("Choose how hard you will work."))
    where_with_whom = text(_("Where, and with whom (optional)"), required=False)
    barriers_fixes = text(
        _("What might get in the way, and how I'll get round it (optional)"),
        required=False,
        rows=3,
    )

    def clean_health_check(self):
        value = self.cleaned_data["health_check"]
        if "none" in value and len(value) > 1:
            raise forms.ValidationError(
                _("Select 'None of these' on its own, or only the ones that apply.")
            )
        return value


class ExerciseLogForm(forms.Form):
    day = date(_("Date"), error=_("Enter the date you were active."))
    activity = text(_("What I did"), error=_("Enter what you did, for example a walk."))
    minutes = number(
        _("Minutes"),
        minimum=1,
        maximum=600,
        error=_("Enter how many minutes, for example 10."),
    )
    intensity = choice(_("How hard?"), INTENSITY_CHOICES, error=_("Choose how hard it felt."))
    mood_before = rating(
        _("Mood before"),
        low=_("very low"),
        high=_("very good"),
        error=_("Choose your mood before, from 0 to 10."),
    )
    mood_after = rating(
        _("Mood after"),
        low=_("very low"),
        high=_("very good"),
        error=_("Choose your mood after, from 0 to 10."),
    )


def weekly_minutes(rows: list[dict]) -> dict[tuple[int, int], int]:
    """Minutes logged per ISO (year, week)."""
    weeks: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        try:
            day = datetime.date.fromisoformat(str(row.get("day")))
        except ValueError:
            continue
        year, week, _weekday = day.isocalendar()
        weeks[(year, week)] += int(row.get("minutes") or 0)
    return dict(weeks)


class ExercisePlan(Exercise):
    key = "exercise_plan"
    title = _("Activity plan and log")
    form_class = ExercisePlanForm
    row_form_class = ExerciseLogForm
    rows_title = _("Your activity log")
    row_noun = _("log entry")
    add_row_text = _("Add to my log")
    editable_after_submit = True
    repeatable = False

    def row_summary(self, row):
        return _t(
            "%(day)s: %(activity)s, %(minutes)s minutes (%(intensity)s). Mood %(before)s → "
            "%(after)s."
        ) % {
            "day": row.get("day", ""),
            "activity": row.get("activity", ""),
            "minutes": row.get("minutes", "–"),
            "intensity": row.get("intensity", ""),
            "before": row.get("mood_before", "–"),
            "after": row.get("mood_after", "–"),
        }

    def feedback(self, data, history=(), *, step=None):
        items = []
        health = [h for h in data.get("health_check") or [] if h != "none"]
        if health:
            items.append(
                FeedbackItem(
                    _t(
                        "You said a health question applies to you. Please see your GP before you "
                        "start or do more activity."
                    ),
                    "safety",
                )
            )
        items.append(FeedbackItem(_t("You have made a plan to be more active."), "praise"))
        rows = data.get(ROWS) or []
        goal = data.get("minutes_goal")
        weeks = weekly_minutes(rows)
        if weeks:
            latest = max(weeks)
            minutes = weeks[latest]
            if isinstance(goal, int):
                items.append(
                    FeedbackItem(
                        _t(
                            "Your latest week: %(minutes)d minutes, against your own goal of "
                            "%(goal)d minutes."
                        )
                        % {"minutes": minutes, "goal": goal},
                        "info",
                    )
                )
            previous = [w for w in weeks if w < latest]
            if previous:
                before = weeks[max(previous)]
                if minutes > 2 * before and minutes - before >= 60:
                    items.append(
                        FeedbackItem(
                            _t(
                                "That is a big jump from the week before (%(before)d minutes). "
                                "Build "
                                "up slowly to avoid injury."
                            )
                            % {"before": before},
                            "prompt",
                        )
                    )
        pairs = [
            (r["mood_before"], r["mood_after"])
            for r in rows
            if isinstance(r.get("mood_before"), int) and isinstance(r.get("mood_after"), int)
        ]
        if pairs:
            items.append(
                FeedbackItem(
                    _t(
                        "On average, your mood was %(before)0.1f before being active and "
                        "%(after)0.1f "
                        "after."
                    )
                    % {"before": mean([p[0] for p in pairs]), "after": mean([p[1] for p in pairs])},
                    "info",
                )
            )
        items.append(
            FeedbackItem(
                _t(
                    "For reference only: the UK guideline for adults is %(cmo)d minutes of "
                    "moderate "
                    "activity a week. Judge your progress against your own goal."
                )
                % {"cmo": CMO_WEEKLY_MINUTES},
                "info",
            )
        )
        return items


# --- Problem solving ---------------------------------------------------------------

CAN_CHANGE_CHOICES = [("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Practical problems where specialist advice helps (content outline §6).
ADVICE_PATTERN = re.compile(
    r"\b(debt\w*|rent|landlord|evict\w*|bailiff\w*|loan\w*|court|benefits?|bills?|mortgage"
    r"|housing|legal)\b",
    re.IGNORECASE,
)
MIN_IDEAS = 3


class ProblemSolvingForm(forms.Form):
    problems = text(
        _("My problems"),
        help_text=_("List your practical problems, one on each line."),
        error=_("List at least one problem."),
        rows=4,
    )
    bother = rating(
        _("How much does the problem you picked bother you?"),
        low=_("not at all"),
        high=_("a lot"),
        required=False,
    )
    can_change = choice(_("Can you change it?"), CAN_CHANGE_CHOICES, required=False)
    definition = text(
        _("The problem I picked"),
        help_text=_("Say who, what, when and where."),
        error=_("Describe the problem you picked: who, what, when and where."),
        rows=3,
    )
    goal = text(
        _("My goal"),
        help_text=_("What do you want to happen?"),
        error=_("Enter what you want to happen."),
        rows=2,
    )
    depends_on_others = choice(_("Does solving it depend on someone else?"), YES_NO, required=False)
    chosen_solution = text(
        _("The idea I chose"), error=_("Enter the idea, or mix of ideas, you chose."), rows=2
    )
    action_plan = text(
        _("My plan"),
        help_text=_("The steps: what, where and with whom."),
        error=_("Enter the steps of your plan."),
        rows=4,
    )
    plan_when = text(
        _("Day and time of the first step"),
        error=_("Enter a day and time for your first step, for example Monday at 10am."),
    )
    review_date = date(_("Review date (optional)"), required=False)
    review_outcome = text(_("What happened (optional)"), required=False, rows=2)
    review_next = text(_("My next step (optional)"), required=False, rows=2)


class IdeaForm(forms.Form):
    idea = text(
        _("Idea"),
        help_text=_("Write it down, even if it seems silly."),
        error=_("Enter your idea."),
    )
    strengths = text(_("Strengths (optional)"), required=False, rows=2)
    weaknesses = text(_("Weaknesses (optional)"), required=False, rows=2)


class ProblemSolving(Exercise):
    key = "problem_solving"
    title = _("Problem solving worksheet")
    form_class = ProblemSolvingForm
    row_form_class = IdeaForm
    rows_title = _("Your ideas")
    row_noun = _("idea")
    add_row_text = _("Add this idea")
    min_rows = 1
    min_rows_error = _("Add at least one idea before you send your worksheet.")
    editable_after_submit = True

    def feedback(self, data, history=(), *, step=None):
        ideas = data.get(ROWS) or []
        items = []
        all_text = " ".join(str(data.get(k) or "") for k in ("problems", "definition", "goal"))
        if mentions_self_harm(all_text) or mentions_abuse(all_text):
            items.append(
                FeedbackItem(
                    _t(
                        "If you are not safe, or someone is hurting you, get help now. Please tell "
                        "your practitioner too."
                    ),
                    "safety",
                )
            )
        items.append(FeedbackItem(_t("You have worked through a problem step by step."), "praise"))
        if len(ideas) < MIN_IDEAS:
            items.append(
                FeedbackItem(
                    _t(
                        "You have %(n)d ideas. Try to think of at least %(min)d, even silly "
                        "ones. The "
                        "best idea often comes later."
                    )
                    % {"n": len(ideas), "min": MIN_IDEAS},
                    "prompt",
                )
            )
        one_sided = [
            i["idea"]
            for i in ideas
            if not (
                str(i.get("strengths") or "").strip() and str(i.get("weaknesses") or "").strip()
            )
        ]
        if one_sided:
            items.append(
                FeedbackItem(
                    _t("Add both strengths and weaknesses for: %(list)s.")
                    % {"list": "; ".join(one_sided)},
                    "prompt",
                )
            )
        if data.get("depends_on_others") == "yes":
            items.append(
                FeedbackItem(
                    _t(
                        "This problem depends on someone else. Focus on the parts you can control, "
                        "like what you say or ask for."
                    ),
                    "info",
                )
            )
        if ADVICE_PATTERN.search(all_text):
            items.append(
                FeedbackItem(
                    _t(
                        "Free advice services, such as Citizens Advice, can help with money, "
                        "housing "
                        "and legal problems. Your practitioner can tell you about local services."
                    ),
                    "info",
                )
            )
        return items
