"""Automated feedback in plain words: no clinical judgement, no red, no blame.

Pure functions over numbers and text so the thresholds are easy to test and to
change. The PWP writes the personal feedback; these only describe.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Trend: the average of the last 7 days (today included) against the 7 before.
TREND_WINDOW_DAYS = 7
TREND_MIN_RATINGS = 3  # per window: fewer is too little to compare honestly
SMALL_CHANGE = 0.5  # below this the two weeks are "about the same"
CLEAR_CHANGE = 1.5  # from here the change is described without "a little"

# Very low pattern: a rating of 2 or less on 3 of the last 5 days.
VERY_LOW_VALUE = 2
VERY_LOW_DAYS = 3
VERY_LOW_WINDOW_DAYS = 5


def one_decimal(value: float) -> str:
    """6.666 -> "6.7" (half up; Django's number_format alone would cut it to 6.6)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=1)


def _direction(diff: float) -> str:
    if diff >= CLEAR_CHANGE:
        return "higher"
    if diff >= SMALL_CHANGE:
        return "a_little_higher"
    if diff <= -CLEAR_CHANGE:
        return "lower"
    if diff <= -SMALL_CHANGE:
        return "a_little_lower"
    return "same"


@dataclass(frozen=True)
class MoodTrend:
    direction: str  # higher | a_little_higher | same | a_little_lower | lower | not_enough
    this_week: float | None
    last_week: float | None
    text: str


def mood_trend(values_by_day: Mapping[datetime.date, int], *, today: datetime.date) -> MoodTrend:
    """Compare the average mood of the last 7 days (ending today) with the 7 days before."""
    recent = [
        values_by_day[d]
        for i in range(TREND_WINDOW_DAYS)
        if (d := today - datetime.timedelta(days=i)) in values_by_day
    ]
    before = [
        values_by_day[d]
        for i in range(TREND_WINDOW_DAYS, 2 * TREND_WINDOW_DAYS)
        if (d := today - datetime.timedelta(days=i)) in values_by_day
    ]
    if len(recent) < TREND_MIN_RATINGS or len(before) < TREND_MIN_RATINGS:
        return MoodTrend(
            "not_enough",
            mean(recent) if recent else None,
            mean(before) if before else None,
            _(
                "Rate your mood on at least 3 days each week. "
                "Then you can see how this week compares with last week."
            ),
        )
    now_avg, then_avg = mean(recent), mean(before)
    direction = _direction(now_avg - then_avg)
    values = {"now": one_decimal(now_avg), "then": one_decimal(then_avg)}
    texts = {
        "higher": _("Your mood has been higher this week than last week (%(now)s vs %(then)s)."),
        "a_little_higher": _(
            "Your mood has been a little higher this week than last week (%(now)s vs %(then)s)."
        ),
        "same": _(
            "Your mood has been about the same this week as last week (%(now)s vs %(then)s)."
        ),
        "a_little_lower": _(
            "Your mood has been a little lower this week than last week (%(now)s vs %(then)s). "
            "Ups and downs are normal."
        ),
        "lower": _(
            "Your mood has been lower this week than last week (%(now)s vs %(then)s). "
            "Ups and downs are normal. You could talk about this with your practitioner."
        ),
    }
    return MoodTrend(direction, now_avg, then_avg, texts[direction] % values)


def today_feedback(
    value: int, values_by_day: Mapping[datetime.date, int], *, today: datetime.date
) -> str:
    """Gentle words after saving: how today compares with the 7 days before it."""
    previous = [
        values_by_day[d]
        for i in range(1, TREND_WINDOW_DAYS + 1)
        if (d := today - datetime.timedelta(days=i)) in values_by_day
    ]
    if len(previous) < 2:
        return _(
            "Thank you. A rating each day helps you and your practitioner see how things change."
        )
    average = mean(previous)
    direction = _direction(value - average)
    values = {"average": one_decimal(average)}
    texts = {
        "higher": _("Today is higher than your average over the last week (%(average)s)."),
        "a_little_higher": _(
            "Today is a little higher than your average over the last week (%(average)s)."
        ),
        "same": _("Today is about the same as your average over the last week (%(average)s)."),
        "a_little_lower": _(
            "Today is a little lower than your average over the last week (%(average)s). "
            "Low days happen."
        ),
        "lower": _(
            "Today is lower than your average over the last week (%(average)s). "
            "Low days happen. Be kind to yourself today."
        ),
    }
    return texts[direction] % values


def very_low_pattern(values_by_day: Mapping[datetime.date, int], *, today: datetime.date) -> bool:
    """True when 3 or more of the last 5 days (today included) were rated 2 or less."""
    low_days = sum(
        1
        for i in range(VERY_LOW_WINDOW_DAYS)
        if values_by_day.get(today - datetime.timedelta(days=i), VERY_LOW_VALUE + 1)
        <= VERY_LOW_VALUE
    )
    return low_days >= VERY_LOW_DAYS


# --- Goals ---------------------------------------------------------------------

# Lead-ins people write before the goal itself ("I want to ...").
_LEAD_INS = re.compile(
    r"^(?:i\s+will|i'll|i\s+want\s+to|i\s+would\s+like\s+to|i'd\s+like\s+to|"
    r"i\s+need\s+to|i\s+hope\s+to|try\s+to|to|my\s+goal\s+is\s+to)\s+"
)
# A goal that starts with one of these describes a state, not something to do.
_STATE_STARTS = (
    "feel",
    "be ",
    "be happier",
    "become",
    "get better",
    "get well",
    "stop feeling",
    "not feel",
    "not be",
    "have more energy",
    "have more confidence",
    "be less",
)
_FEELING_WORDS = {
    "happy",
    "happier",
    "happiness",
    "better",
    "confident",
    "confidence",
    "normal",
    "myself",
    "okay",
    "ok",
    "calm",
    "calmer",
    "motivated",
    "mood",
    "depressed",
    "anxious",
    "sad",
    "positive",
}
# Common verbs of doing. The list need not be complete: an unknown verb only
# matters when the goal also reads like a feeling or is one or two words long.
_DOING_VERBS = {
    "walk", "go", "call", "phone", "ring", "text", "message", "meet", "cook", "read",
    "write", "visit", "run", "jog", "swim", "do", "join", "start", "finish", "apply",
    "clean", "tidy", "play", "spend", "see", "take", "make", "ask", "eat", "get",
    "book", "attend", "learn", "practise", "practice", "garden", "paint", "volunteer",
    "study", "work", "exercise", "help", "talk", "send", "plan", "pay", "sort", "shop",
    "bake", "listen", "ride", "cycle", "dance", "sing", "draw", "fix", "wash", "open",
    "reply", "return", "sleep", "wake", "leave", "try", "keep", "invite", "use",
}  # fmt: skip


def _stem(word: str) -> str:
    for suffix in ("ing", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


def goal_is_vague(title: str) -> bool:
    """True when a goal reads like a feeling ("feel happier") rather than something to do."""
    text = " ".join(re.sub(r"[^\w\s']", " ", title.lower()).split())
    text = _LEAD_INS.sub("", text)
    if not text:
        return False
    if text.startswith(_STATE_STARTS) or text in {"be", "feel"}:
        return True
    words = text.split()
    has_doing_verb = any(w in _DOING_VERBS or _stem(w) in _DOING_VERBS for w in words)
    if has_doing_verb:
        return False
    return len(words) <= 2 or any(w in _FEELING_WORDS for w in words)


def goal_vague_hint() -> str:
    return _(
        "This goal sounds like a feeling. Goals work best as something you will do, "
        "so you can tell when you have done it. For example, instead of “feel happier”, "
        "try “walk to the park with my sister on Saturday”. You can keep it as it is if you prefer."
    )
