"""Behavioural activation: activity diary, activity list, weekly schedule."""

from collections import Counter

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.programme.exercises.base import (
    ROWS,
    Exercise,
    FeedbackItem,
    choice,
    date,
    mean,
    rating,
    text,
    time_select,
)
from apps.safety.keywords import mentions_diary_concern

TYPE_CHOICES = [
    ("routine", _("Routine")),
    ("pleasurable", _("Pleasurable")),
    ("necessary", _("Necessary")),
]
TYPE_HELP = _(
    "Routine: everyday things like meals and washing. Pleasurable: things you enjoy. "
    "Necessary: things that cause problems if you leave them, like bills."
)
DIFFICULTY_CHOICES = [("easy", _("Easy")), ("medium", _("Medium")), ("hard", _("Hard"))]
DONE_CHOICES = [
    ("", _("Not yet")),
    ("yes", _("Done")),
    ("partly", _("Partly done")),
    ("no", _("Not done")),
]
TYPE_NAMES = dict(TYPE_CHOICES)


def _balance(rows: list[dict]) -> list[FeedbackItem]:
    """Counts of each activity type, and a prompt when one is missing."""
    counts = Counter(r.get("type") for r in rows if r.get("type") in TYPE_NAMES)
    if not counts:
        return []
    items = [
        FeedbackItem(
            _t(
                "Your mix: %(routine)d routine, %(pleasurable)d pleasurable and %(necessary)d "
                "necessary."
            )
            % {k: counts.get(k, 0) for k in TYPE_NAMES},
            "info",
        )
    ]
    missing = [str(TYPE_NAMES[k]).lower() for k in TYPE_NAMES if not counts.get(k)]
    if missing:
        items.append(
            FeedbackItem(
                _t("Try adding something %(types)s too. A good mix helps your mood most.")
                % {"types": _t(" and ").join(missing)},
                "prompt",
            )
        )
    return items


def _ranked_by_mood(rows: list[dict]) -> list[FeedbackItem]:
    rated = [r for r in rows if isinstance(r.get("mood"), int) and r.get("activity")]
    if len(rated) < 2:
        return []
    rated.sort(key=lambda r: r["mood"], reverse=True)
    best = rated[:3]
    items = [
        FeedbackItem(
            _t("Your mood was highest with: %(list)s.")
            % {"list": "; ".join(f"{r['activity']} (mood {r['mood']})" for r in best)},
            "info",
        )
    ]
    lowest = rated[-1]
    if lowest["mood"] < best[0]["mood"]:
        items.append(
            FeedbackItem(
                _t("It was lowest with: %(activity)s (mood %(mood)d).")
                % {"activity": lowest["activity"], "mood": lowest["mood"]},
                "info",
            )
        )
    return items


class DiaryRowForm(forms.Form):
    day = date(_("Date"), error=_("Enter the date of this activity."))
    time = time_select(_("Time"), error=_("Choose the time you started this activity."))
    activity = text(_("What I did"), error=_("Enter what you did. Resting counts too."))
    who_with = text(_("Who with"), required=False, help_text=_("Leave empty if you were alone."))
    type = choice(
        _("Type of activity (optional)"),
        [("", _("Not sure")), *TYPE_CHOICES],
        required=False,
        radios=False,
    )
    mood = rating(
        _("Mood"),
        low=_("very low"),
        high=_("very good"),
        error=_("Choose your mood from 0 (very low) to 10 (very good)."),
    )
    enjoyment = rating(
        _("Enjoyment"),
        low=_("none"),
        high=_("a lot"),
        error=_("Choose your enjoyment from 0 (none) to 10 (a lot)."),
    )
    achievement = rating(
        _("Achievement"),
        low=_("none"),
        high=_("a lot"),
        help_text=_("Given how you felt. Small tasks count."),
        error=_("Choose your achievement from 0 (none) to 10 (a lot)."),
    )


class DiaryForm(forms.Form):
    patterns = text(
        _("Patterns I noticed (optional)"),
        required=False,
        help_text=_("When was your mood higher, and when was it lower?"),
        rows=3,
    )


class ActivityDiary(Exercise):
    key = "activity_diary"
    title = _("Activity diary")
    form_class = DiaryForm
    row_form_class = DiaryRowForm
    rows_title = _("Your diary entries")
    row_noun = _("diary entry")
    min_rows = 1
    min_rows_error = _("Add at least one diary entry before you send your diary.")

    def row_summary(self, row):
        who = row.get("who_with") or _t("alone")
        return _t(
            "%(day)s %(time)s: %(activity)s (%(who)s). Mood %(mood)s, enjoyment %(enjoyment)s, "
            "achievement %(achievement)s."
        ) % {
            "day": row.get("day", ""),
            "time": row.get("time", ""),
            "activity": row.get("activity", ""),
            "who": who,
            "mood": row.get("mood", "–"),
            "enjoyment": row.get("enjoyment", "–"),
            "achievement": row.get("achievement", "–"),
        }

    def feedback(self, data, history=(), *, step=None):
        rows = data.get(ROWS) or []
        items = [
            FeedbackItem(
                ngettext(
                    "You wrote %(n)d diary entry. Honest entries are the most useful.",
                    "You wrote %(n)d diary entries. Honest entries are the most useful.",
                    len(rows),
                )
                % {"n": len(rows)},
                "praise",
            )
        ]
        items += _ranked_by_mood(rows)
        together = [r["mood"] for r in rows if isinstance(r.get("mood"), int) and r.get("who_with")]
        alone = [
            r["mood"] for r in rows if isinstance(r.get("mood"), int) and not r.get("who_with")
        ]
        if together and alone:
            items.append(
                FeedbackItem(
                    _t("Average mood with other people: %(with)0.1f. On your own: %(alone)0.1f.")
                    % {"with": mean(together), "alone": mean(alone)},
                    "info",
                )
            )
        items += _balance(rows)
        text_all = " ".join(str(r.get("activity", "")) for r in rows).lower()
        if mentions_diary_concern(text_all):
            items.append(
                FeedbackItem(
                    _t(
                        "If you are spending whole days in bed, not eating, or feeling hopeless, "
                        "please tell your practitioner or your GP."
                    ),
                    "prompt",
                )
            )
        return items


class ListRowForm(forms.Form):
    activity = text(_("Activity"), error=_("Enter an activity you have stopped or cut down."))
    type = choice(
        _("Type"),
        TYPE_CHOICES,
        help_text=TYPE_HELP,
        error=_("Choose routine, pleasurable or necessary."),
    )
    difficulty = choice(
        _("How hard is it for you right now?"),
        DIFFICULTY_CHOICES,
        error=_("Choose easy, medium or hard."),
    )
    smaller_steps = text(
        _("Smaller steps (optional)"),
        required=False,
        help_text=_("If it feels hard, break it into smaller steps."),
        rows=2,
    )


class ActivityList(Exercise):
    key = "activity_list"
    title = _("Activity list")
    form_class = forms.Form
    row_form_class = ListRowForm
    rows_title = _("Your activities")
    row_noun = _("activity")
    min_rows = 1
    min_rows_error = _("Add at least one activity before you send your list.")

    def row_summary(self, row):
        kind = TYPE_NAMES.get(row.get("type"), "–")
        difficulty = dict(DIFFICULTY_CHOICES).get(row.get("difficulty"), "–")
        summary = f"{row.get('activity', '')} ({kind}, {difficulty})"
        if row.get("smaller_steps"):
            summary += ". " + _t("Smaller steps: %s") % row["smaller_steps"]
        return str(summary)

    def feedback(self, data, history=(), *, step=None):
        rows = data.get(ROWS) or []
        items = [
            FeedbackItem(
                ngettext("You listed %(n)d activity.", "You listed %(n)d activities.", len(rows))
                % {"n": len(rows)},
                "praise",
            )
        ]
        items += _balance(rows)
        hard = [
            r["activity"]
            for r in rows
            if r.get("difficulty") == "hard" and not str(r.get("smaller_steps") or "").strip()
        ]
        if hard:
            items.append(
                FeedbackItem(
                    _t("Break these into smaller steps, so you have an easy first step: %(list)s.")
                    % {"list": "; ".join(hard)},
                    "prompt",
                )
            )
        easy = [r["activity"] for r in rows if r.get("difficulty") == "easy"]
        if easy:
            items.append(
                FeedbackItem(
                    _t("Start with your easy ones: %(list)s.") % {"list": "; ".join(easy)}, "info"
                )
            )
        return items


class ScheduleRowForm(forms.Form):
    day = date(_("Day"), error=_("Enter the day you plan to do this."))
    time = time_select(_("Time"), error=_("Choose a time for this activity."))
    activity = text(
        _("Activity"),
        help_text=_("Say what, where and with whom. For example, walk round the park with Sam."),
        error=_("Enter what you plan to do."),
    )
    type = choice(
        _("Type"),
        TYPE_CHOICES,
        help_text=TYPE_HELP,
        error=_("Choose routine, pleasurable or necessary."),
    )
    done = choice(
        _("Did you do it?"),
        DONE_CHOICES,
        required=False,
        radios=False,
        help_text=_("Fill this in after the time has passed."),
    )
    mood = rating(
        _("Mood afterwards (optional)"), low=_("very low"), high=_("very good"), required=False
    )
    enjoyment = rating(_("Enjoyment (optional)"), low=_("none"), high=_("a lot"), required=False)
    achievement = rating(
        _("Achievement (optional)"), low=_("none"), high=_("a lot"), required=False
    )
    notes = text(
        _("Notes (optional)"),
        required=False,
        help_text=_("What helped, or what got in the way?"),
        rows=2,
    )


# More planned activities than this in one plan: "don't overfill the week".
SCHEDULE_FULL = 10


class ActivitySchedule(Exercise):
    key = "activity_schedule"
    title = _("Weekly plan")
    form_class = forms.Form
    row_form_class = ScheduleRowForm
    rows_title = _("Your plan")
    row_noun = _("planned activity")
    min_rows = 1
    min_rows_error = _("Add at least one activity to your plan before you send it.")
    editable_after_submit = True

    def row_summary(self, row):
        done = dict(DONE_CHOICES).get(row.get("done") or "", "")
        parts = [
            f"{row.get('day', '')} {row.get('time', '')}: {row.get('activity', '')}",
            str(TYPE_NAMES.get(row.get("type"), "")),
        ]
        parts.append(str(done))
        if isinstance(row.get("mood"), int):
            parts.append(_t("mood %d") % row["mood"])
        if row.get("notes"):
            parts.append(row["notes"])
        return ". ".join(p for p in parts if p)

    def feedback(self, data, history=(), *, step=None):
        rows = sorted(data.get(ROWS) or [], key=lambda r: (r.get("day", ""), r.get("time", "")))
        items = [
            FeedbackItem(
                ngettext("You planned %(n)d activity.", "You planned %(n)d activities.", len(rows))
                % {"n": len(rows)},
                "praise",
            )
        ]
        items += _balance(rows)
        if len(rows) > SCHEDULE_FULL:
            items.append(
                FeedbackItem(
                    _t(
                        "That is a full week. A few activities is a good start, and you can add "
                        "more later."
                    ),
                    "prompt",
                )
            )
        # Difficulty comes from the client's latest activity list, if any.
        hard = set()
        for item in history:
            if item.exercise_type == "activity_list":
                hard = {
                    str(r.get("activity", "")).strip().lower()
                    for r in item.data.get(ROWS) or []
                    if r.get("difficulty") == "hard"
                }
                break
        first = [r for r in rows[:2] if str(r.get("activity", "")).strip().lower() in hard]
        if first:
            items.append(
                FeedbackItem(
                    _t(
                        "Your plan starts with '%(activity)s', which you marked as hard. Try "
                        "starting with an easy one."
                    )
                    % {"activity": first[0]["activity"]},
                    "prompt",
                )
            )
        done = sum(1 for r in rows if r.get("done") == "yes")
        partly = sum(1 for r in rows if r.get("done") == "partly")
        if done or partly:
            items.append(
                FeedbackItem(
                    _t(
                        "You did %(done)d and partly did %(partly)d of %(n)d planned activities. "
                        "Partly done counts as progress."
                    )
                    % {"done": done, "partly": partly, "n": len(rows)},
                    "praise",
                )
            )
        items += _ranked_by_mood(rows)
        return items
