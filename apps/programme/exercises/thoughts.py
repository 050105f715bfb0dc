"""Cognitive restructuring: the thought record."""

import difflib
import re
from collections import Counter

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from apps.programme.exercises.base import (
    Exercise,
    FeedbackItem,
    date,
    percent,
    text,
    time_select,
    words,
)
from apps.safety.keywords import mentions_self_harm

TRAP_CHOICES = [
    ("all_or_nothing", _("All-or-nothing")),
    ("overgeneralising", _("Overgeneralising")),
    ("mental_filter", _("Mental filter")),
    ("discounting_positive", _("Discounting the positive")),
    ("mind_reading", _("Mind reading")),
    ("fortune_telling", _("Fortune telling")),
    ("catastrophising", _("Catastrophising or minimising")),
    ("emotional_reasoning", _("Emotional reasoning")),
    ("should_must", _("'Should' and 'must' rules")),
    ("labelling", _("Labelling")),
    ("personalisation", _("Personalisation and blame")),
]
TRAP_NAMES = dict(TRAP_CHOICES)
# Plain descriptions from the "Thinking traps" page (content 03-thinking-traps.md).
TRAP_HINTS = {
    "all_or_nothing": _(
        "Seeing things as total success or total failure, with nothing in between."
    ),
    "overgeneralising": _("Treating one bad event as something that will always happen."),
    "mental_filter": _("Noticing only the bad and ignoring the good."),
    "discounting_positive": _("Telling yourself good things don't count."),
    "mind_reading": _("Assuming you know what others think of you."),
    "fortune_telling": _("Predicting that things will turn out badly."),
    "catastrophising": _("Blowing problems up, or shrinking your strengths."),
    "emotional_reasoning": _("Believing something is true because you feel it."),
    "should_must": _("Harsh, fixed rules for yourself or others."),
    "labelling": _("Calling yourself one harsh name."),
    "personalisation": _("Taking all the blame, or giving it all to someone else."),
}
# The questions from the "Weigh up the evidence" page (05-weigh-the-evidence.md).
EVIDENCE_AGAINST_QUESTIONS = [
    _("What would I say to a friend who had this thought?"),
    _("Has there been a time when this was not true?"),
    _("Am I falling into a thinking trap?"),
    _("What is most likely to happen?"),
    _("How will I see this in six months?"),
]

# Words that usually mark an opinion rather than a fact in "evidence for".
OPINION_PATTERN = re.compile(
    r"\b(i feel|i think|i'?m sure|probably|obviously|everyone|no ?one|nobody|always|never"
    r"|must|should)\b",
    re.IGNORECASE,
)


def _normalise(value: str) -> str:
    value = re.sub(r"n't\b|\bnot\b|\bno\b", " ", str(value or "").lower())
    return " ".join(re.findall(r"[a-z']+", value))


class ThoughtRecordForm(forms.Form):
    day = date(_("Date"), error=_("Enter the date it happened."))
    time = time_select(_("Time (optional)"), required=False)
    situation = text(
        _("Situation"),
        help_text=_("What happened, where and when?"),
        error=_("Enter what happened, where and when."),
        rows=3,
    )
    feeling = text(
        _("Feeling"),
        help_text=_("Name it in one word, for example sad, angry or worried."),
        error=_("Enter the feeling in one word, for example sad."),
        max_length=200,
    )
    feeling_before = percent(
        _("How strong was the feeling? (0 to 100)"),
        error=_("Enter how strong the feeling was, from 0 to 100."),
    )
    body = text(
        _("Body sensations (optional)"),
        required=False,
        help_text=_("Anything you noticed in your body."),
        rows=2,
    )
    thought = text(
        _("Automatic thought"),
        help_text=_("The hot thought: what went through your mind?"),
        error=_("Enter the thought that went through your mind."),
        rows=3,
    )
    belief_before = percent(
        _("How much did you believe it? (0 to 100%)"),
        error=_("Enter how much you believed the thought, from 0 to 100."),
    )
    traps = forms.MultipleChoiceField(
        label=_("Thinking traps (optional)"),
        choices=TRAP_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose any that fit."),
    )
    evidence_for = text(_("Evidence for"), required=False, help_text=_("Facts only."), rows=3)
    evidence_against = text(
        _("Evidence against"),
        required=False,
        help_text=_("What would you tell a friend? Has it ever not been true?"),
        rows=3,
    )
    balanced_thought = text(
        _("Balanced thought"),
        required=False,
        help_text=_("A thought that fits all the evidence."),
        rows=3,
    )
    balanced_belief = percent(
        _("How much do you believe the balanced thought? (0 to 100%)"), required=False
    )
    feeling_after = percent(
        _("How strong is the feeling now? (0 to 100)"),
        required=False,
        error=_("Enter how strong the feeling is now, from 0 to 100."),
    )
    belief_after = percent(
        _("How much do you believe the automatic thought now? (0 to 100%)"),
        required=False,
    )
    next_action = text(
        _("Next action (optional)"), required=False, help_text=_("What will you do now?"), rows=2
    )


class ThoughtRecord(Exercise):
    key = "thought_record"
    title = _("Thought record")
    form_class = ThoughtRecordForm
    parts = [
        (_("Situation"), ["day", "time", "situation"]),
        (_("Feeling"), ["feeling", "feeling_before", "body"]),
        (_("Automatic thought"), ["thought", "belief_before"]),
        (_("Thinking traps"), ["traps"]),
        (_("Evidence for"), ["evidence_for"]),
        (_("Evidence against"), ["evidence_against"]),
        (
            _("Balanced thought"),
            ["balanced_thought", "balanced_belief", "feeling_after", "belief_after"],
        ),
        (_("Next action"), ["next_action"]),
    ]
    choice_hints = {"traps": TRAP_HINTS}

    def field_hint(self, name, data):
        """Part pages remind the client of the thought and feeling they are working on."""
        thought = str(data.get("thought") or "").strip()
        feeling = str(data.get("feeling") or "").strip()
        reminder = _t("Your automatic thought: “%(thought)s”") % {"thought": thought}
        if name == "traps" and thought:
            return format_html("{}<br>{}", reminder, _t("Choose any traps that fit it."))
        if name == "evidence_for" and thought:
            return format_html(
                "{}<br>{}", reminder, _t("Facts only: things a camera could have recorded.")
            )
        if name == "evidence_against":
            questions = format_html_join(
                "", "<li>{}</li>", ((str(q),) for q in EVIDENCE_AGAINST_QUESTIONS)
            )
            intro = _t("Facts that do not fit the thought. These questions may help:")
            if thought:
                return format_html(
                    '{}<br>{}<ul class="govuk-list govuk-list--bullet govuk-hint">{}</ul>',
                    reminder,
                    intro,
                    questions,
                )
            return format_html(
                '{}<ul class="govuk-list govuk-list--bullet govuk-hint">{}</ul>', intro, questions
            )
        if name == "balanced_thought" and thought:
            return format_html(
                "{}<br>{}", reminder, _t("Write a thought that fits all the evidence.")
            )
        if name == "feeling_after" and feeling and str(data.get("feeling_before") or "").strip():
            return _t("Before, you rated %(feeling)s at %(before)s.") % {
                "feeling": feeling,
                "before": data.get("feeling_before"),
            }
        if name == "belief_after" and thought and str(data.get("belief_before") or "").strip():
            return _t("Before, you believed “%(thought)s” %(before)s%%.") % {
                "thought": thought,
                "before": data.get("belief_before"),
            }
        return None

    def summary(self, data, *, step=None):
        items = super().summary(data, step=step)
        before, after = data.get("feeling_before"), data.get("feeling_after")
        if isinstance(before, int) and isinstance(after, int):
            items.insert(
                0,
                {
                    "label": str(_("Feeling before and after")),
                    "value": f"{data.get('feeling', '')} {before} → {after}",
                },
            )
        return items

    def feedback(self, data, history=(), *, step=None):
        items: list[FeedbackItem] = []
        # Content outline §3 "Safety": a thought record alone is not the tool.
        if mentions_self_harm(
            data.get("situation"),
            data.get("thought"),
            data.get("feeling"),
            data.get("balanced_thought"),
            data.get("next_action"),
        ):
            items.append(
                FeedbackItem(
                    _t(
                        "A thought record is not the right tool for thoughts of death or hurting "
                        "yourself. Please use the help below, and tell your practitioner."
                    ),
                    "safety",
                )
            )
        items.append(FeedbackItem(_t("Well done for filling in a thought record."), "praise"))
        feeling = str(data.get("feeling") or "").strip()
        before, after = data.get("feeling_before"), data.get("feeling_after")
        if isinstance(before, int) and isinstance(after, int):
            text_ = _t("Your feeling (%(feeling)s) went from %(before)d to %(after)d.") % {
                "feeling": feeling,
                "before": before,
                "after": after,
            }
            if after < before:
                text_ += " " + _t("That is real progress.")
            else:
                text_ += " " + _t(
                    "Sometimes a feeling stays strong. Your practitioner can help you look at it."
                )
            items.append(FeedbackItem(text_, "info"))
        b_before, b_after = data.get("belief_before"), data.get("belief_after")
        if isinstance(b_before, int) and isinstance(b_after, int):
            items.append(
                FeedbackItem(
                    _t(
                        "Your belief in the automatic thought went from %(before)d%% to "
                        "%(after)d%%."
                    )
                    % {"before": b_before, "after": b_after},
                    "info",
                )
            )
        if words(feeling) > 3:
            items.append(
                FeedbackItem(
                    _t(
                        "You wrote a sentence in the feeling box. Feelings are usually one word, "
                        "like "
                        "sad, angry or worried. A sentence is often a thought: try putting it in "
                        "the "
                        "thought box."
                    ),
                    "prompt",
                )
            )
        if 0 < words(data.get("thought")) < 2:
            items.append(
                FeedbackItem(
                    _t(
                        "Your thought is one word. Thoughts are usually sentences, like 'Nobody "
                        "wants "
                        "me around'."
                    ),
                    "prompt",
                )
            )
        if OPINION_PATTERN.search(str(data.get("evidence_for") or "")):
            items.append(
                FeedbackItem(
                    _t(
                        "Look again at your evidence for. Is each point a fact? Words like "
                        "'always' "
                        "or 'I think' can be a sign of an opinion."
                    ),
                    "prompt",
                )
            )
        balanced = str(data.get("balanced_thought") or "")
        if not balanced.strip():
            items.append(
                FeedbackItem(
                    _t("When you are ready, add a balanced thought that fits all the evidence."),
                    "prompt",
                )
            )
        elif (
            difflib.SequenceMatcher(
                None, _normalise(balanced), _normalise(data.get("thought"))
            ).ratio()
            > 0.8
        ):
            items.append(
                FeedbackItem(
                    _t(
                        "Your balanced thought is close to the opposite of the first thought. Try "
                        "building it from the evidence you wrote."
                    ),
                    "prompt",
                )
            )
        traps = Counter(data.get("traps") or [])
        for item in history:
            if item.exercise_type == self.key:
                traps.update(item.data.get("traps") or [])
        if traps:
            top = ", ".join(f"{TRAP_NAMES.get(k, k)} ({n})" for k, n in traps.most_common(3))
            items.append(
                FeedbackItem(
                    _t("The thinking traps you have noticed most often: %(list)s.") % {"list": top},
                    "info",
                )
            )
        return items
