"""Words in a client's own writing that the exercises treat as a safety signal.

The one place for these lists (the programme's exercises import them from here).
Every list is a DESIGN PROPOSAL by engineering, not a validated screening tool:
it needs sign-off from the clinical lead and the service's risk protocol
(docs/safety.md, "Needs clinical sign-off"). Change a list here, with a test in
tests/safety/test_keywords.py, never in the exercises.

Suicide and self-harm are judged by the risk screen (apps/safety/screen.py);
the abuse and diary lists below match normalised text: any case, curly or
straight apostrophes, any run of spaces or line breaks, whole words only.
Negations still match on purpose ("I'm not suicidal" fires): a missed risk
costs more than an alert a practitioner closes with a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from apps.safety.screen import screen_texts

# --- Thoughts of suicide or self-harm ------------------------------------------------
# Judged by the risk screen (apps/safety/screen.py: normalisation, misspellings,
# words run together, per-language phrase lists in apps/safety/phrases/), the one
# judgement for every free text a client sends. No separate list here.

# --- Abuse or violence -------------------------------------------------------------
# Problem solving (content outline §6): signpost to specialist services and
# tell the practitioner. Shows the safety message; does not raise a risk alert
# (no alert source for it yet: a clinical decision).
ABUSE_PHRASES: tuple[str, ...] = (
    r"abus\w*",
    r"violen\w*",
    r"hit(s|ting)? me",
    r"threaten\w*",
)

# --- Diary wording worth a word with the practitioner or GP -------------------------
# Activity diary (content outline §2 "Safety"): a prompt to tell the practitioner
# or GP, not a safety message and not an alert. Plain substrings, any case.
DIARY_CONCERN_PHRASES: tuple[str, ...] = (
    "in bed all day",
    "all day in bed",
    "not eating",
    "didn't eat",
    "did not eat",
    "hopeless",
    "no point",
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def _compile(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(f"(?:{p})" for p in phrases)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)


ABUSE_PATTERN = _compile(ABUSE_PHRASES)


def normalise(value) -> str:
    """Lower case, straight apostrophes, single spaces (so phrases match across lines)."""
    return " ".join(str(value or "").translate(_APOSTROPHES).lower().split())


def mentions_self_harm(*values) -> bool:
    """True when the risk screen finds suicide or self-harm in any value (every language)."""
    return screen_texts(values).alert


def mentions_abuse(*values) -> bool:
    """True when any value mentions abuse, violence or threats (ABUSE_PHRASES)."""
    return any(ABUSE_PATTERN.search(normalise(v)) for v in values)


def mentions_diary_concern(*values) -> bool:
    """True when any value holds a DIARY_CONCERN_PHRASES phrase."""
    text = " ".join(normalise(v) for v in values)
    return any(phrase in text for phrase in DIARY_CONCERN_PHRASES)


def texts_in(data) -> list[str]:
    """Every string in an entry's data (fields, rows, nested lists), for a whole-entry check."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, Mapping):
        return [t for value in data.values() for t in texts_in(value)]
    if isinstance(data, list | tuple):
        return [t for value in data for t in texts_in(value)]
    return []


def entry_mentions_self_harm(data) -> bool:
    """True when any text anywhere in an entry's data mentions suicide or self-harm."""
    return mentions_self_harm(*texts_in(data))
