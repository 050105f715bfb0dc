"""The risk screen: does a client's own writing mention suicide or self-harm?

One component for every free text a client sends (messages to the PWP, mood and
goal notes, exercise entries). It is a NET, not a validated screening tool: the
phrase lists are a design proposal by engineering awaiting clinical sign-off
(docs/safety/hazard-log.md). It errs towards alerting: negations still alert
("I'm not suicidal" raises an alert) because a missed risk costs more than an
alert a practitioner closes with a note.

How a text is screened (``screen_text``):

1. **Normalise**: Unicode compatibility form, accents removed ("suïcidaal" →
   "suicidaal"), lower case, apostrophes dropped ("don't" → "dont"), every other
   non-letter/digit is a space, so punctuation and line breaks never split a phrase.
2. **Tokens are squeezed**: any run of one repeated letter counts as one letter,
   in the text and in the phrases ("diiiie" = "die", "killl" = "kill" = "kil",
   "better of dead" = "better off dead").
3. **Each phrase is a sequence of tokens** matched against consecutive words:
   - words run together match ("killmyself", "kms" is its own phrase): several
     phrase tokens may match one word, and one phrase token may match up to
     three words ("my self", "self harm");
   - small misspellings match: a phrase token of 6 or more letters (after
     squeezing) matches a word one edit away (insert, delete, substitute or swap
     two neighbours: "suicdal", "myslef"); 10 or more letters, two edits.
     Shorter tokens must match exactly, which keeps "die"/"dine", "kill"/"fill"
     and "dead"/"deaf" apart. A token written ``=word`` never matches fuzzily.
4. **Exceptions** are written next to the phrase they narrow:
   ``unless_followed_by`` / ``unless_preceded_by`` list word sequences that mark
   an everyday use ("cut myself shaving", "don't want to live in London").

Phrase syntax (data files ``apps/safety/phrases/<language>.yaml`` and each
service's added phrases): words separated by spaces; ``a|b`` alternatives;
``[a|b]`` an optional word; ``word*`` any word starting with ``word`` (exact
prefix); ``_`` any one word; ``=word`` exact; ``{two words|one|}`` alternatives of
several words (an empty one makes the group optional), expanded into one phrase each.

The test corpus (``apps/safety/corpus/<language>.yaml``) holds positive and
negative sentences; ``manage.py risk_screen_report`` prints recall and the
false-alarm rate, and tests require 100% recall.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PHRASES_DIR = Path(__file__).resolve().parent / "phrases"
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

#: Category for phrases a service adds (ServiceSafetyPolicy.extra_phrases).
SERVICE_CATEGORY = "service"

_SQUEEZE = re.compile(r"(.)\1+")
_NON_WORD = re.compile(r"[^\w]+|_")
_APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4"


def languages() -> list[str]:
    """Languages with a shipped phrase list ("en", "nl"), sorted."""
    return sorted(p.stem for p in PHRASES_DIR.glob("*.yaml"))


def normalise(text) -> list[str]:
    """The words of ``text``: lower case, no accents or apostrophes, punctuation as spaces."""
    value = unicodedata.normalize("NFKD", str(text or ""))
    value = "".join(c for c in value if not unicodedata.combining(c))
    for apostrophe in _APOSTROPHES:
        value = value.replace(apostrophe, "")
    return _NON_WORD.sub(" ", value.lower()).split()


def squeeze(word: str) -> str:
    """Runs of one repeated character count as one ("killl" → "kil")."""
    return _SQUEEZE.sub(r"\1", word)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (swaps of neighbours cost 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_edits(word: str) -> int:
    """How many edits a phrase word of this (squeezed) length tolerates."""
    if len(word) >= 10:
        return 2
    if len(word) >= 6:
        return 1
    return 0


class Token:
    """One position of a phrase: its alternatives (squeezed), or a wildcard."""

    __slots__ = ("words", "prefixes", "exact", "optional", "any_word", "_seen")

    def __init__(self, words=(), prefixes=(), exact=frozenset(), optional=False, any_word=False):
        self.words: tuple[str, ...] = tuple(words)
        self.prefixes: tuple[str, ...] = tuple(prefixes)
        self.exact: frozenset[str] = frozenset(exact)
        self.optional = optional
        self.any_word = any_word
        self._seen: dict[str, bool] = {}

    def __repr__(self) -> str:
        return f"Token({'|'.join(self.words + tuple(p + '*' for p in self.prefixes)) or '_'})"

    @classmethod
    def parse(cls, raw: str) -> Token:
        optional = raw.startswith("[") and raw.endswith("]")
        if optional:
            raw = raw[1:-1]
        if raw == "_":
            return cls(optional=optional, any_word=True)
        if set(raw) & set("[]{}"):
            raise ValueError(f"Unbalanced brackets in {raw!r}: write [word] or {{two words|one}}")
        words, prefixes, exact = [], [], set()
        for alt in raw.split("|"):
            is_exact = alt.startswith("=")
            alt = alt.lstrip("=")
            if alt.endswith("*"):
                prefixes.append(squeeze("".join(normalise(alt[:-1]))))
                continue
            word = squeeze("".join(normalise(alt)))
            if not word:
                raise ValueError(f"Empty word in phrase token {raw!r}")
            words.append(word)
            if is_exact:
                exact.add(word)
        return cls(words, prefixes, exact, optional)

    def matches(self, word: str) -> bool:
        """Does this token accept one (squeezed) text word? (Remembered per word.)"""
        seen = self._seen.get(word)
        if seen is None:
            seen = self._matches(word)
            if len(self._seen) < 50_000:
                self._seen[word] = seen
        return seen

    def _matches(self, word: str) -> bool:
        if self.any_word:
            return True
        if word in self.words or any(word.startswith(p) for p in self.prefixes):
            return True
        return any(w not in self.exact and close(w, word) for w in self.words)


@functools.lru_cache(maxsize=200_000)
def close(phrase_word: str, word: str) -> bool:
    """Is ``word`` within the edits ``phrase_word``'s length allows (see ``allowed_edits``)?"""
    edits = allowed_edits(phrase_word)
    if not edits or abs(len(phrase_word) - len(word)) > edits:
        return False
    return edit_distance(phrase_word, word, edits) <= edits


@functools.cache
def _token(raw: str) -> Token:
    """One shared Token per spelling, so what it has matched is remembered across phrases."""
    return Token.parse(raw)


_GROUP = re.compile(r"\{([^{}]*)\}")


def expand(text: str) -> list[str]:
    """``"better off {dead|without me}"`` → ``["better off dead", "better off without me"]``."""
    group = _GROUP.search(text)
    if group is None:
        return [" ".join(text.split())]
    out = []
    for alt in group.group(1).split("|"):
        out.extend(expand(text[: group.start()] + " " + alt + " " + text[group.end() :]))
    return list(dict.fromkeys(out))


@dataclass(eq=False)
class Phrase:
    """A phrase of one category, with the word sequences that mark an everyday use."""

    text: str
    category: str
    tokens: tuple[Token, ...]
    unless_followed_by: tuple[tuple[str, ...], ...] = ()
    unless_preceded_by: tuple[tuple[str, ...], ...] = ()
    # joins[i]: (n, strings) for phrase tokens i..i+n run together as one word.
    joins: tuple[tuple[tuple[int, tuple[str, ...]], ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.joins = tuple(
            tuple(
                (n, strings)
                for n in range(2, len(self.tokens) - i + 1)
                if (strings := _joined_strings(self.tokens[i : i + n]))
            )
            for i in range(len(self.tokens))
        )

    @classmethod
    def parse_all(cls, spec, category: str) -> list[Phrase]:
        """One phrase per expansion of its ``{...}`` groups."""
        if isinstance(spec, str):
            spec = {"phrase": spec}
        return [cls.parse({**spec, "phrase": text}, category) for text in expand(spec["phrase"])]

    @classmethod
    def parse(cls, spec, category: str) -> Phrase:
        if isinstance(spec, str):
            spec = {"phrase": spec}
        text = str(spec["phrase"]).strip()
        if "{" in text:
            raise ValueError(f"Expand {text!r} with Phrase.parse_all")
        tokens = tuple(_token(raw) for raw in text.split())
        if not tokens or all(t.optional for t in tokens):
            raise ValueError(f"Phrase {text!r} has no required word")

        def sequences(key):
            raw = spec.get(key, ()) or ()
            if any(not isinstance(seq, str) for seq in raw):
                # YAML reads a bare on/no/yes as a boolean: quote it.
                raise ValueError(f"Quote every {key} entry of {text!r}")
            return tuple(tuple(squeeze(w) for w in normalise(seq)) for seq in raw)

        return cls(
            text,
            category,
            tokens,
            sequences("unless_followed_by"),
            sequences("unless_preceded_by"),
        )

    def match_at(self, text: _Text, start: int) -> int | None:
        """Index after the match when the phrase matches from word ``start``, else None."""
        return _match(self, 0, text, start)

    def excepted(self, words: Sequence[str], start: int, end: int) -> bool:
        for seq in self.unless_followed_by:
            if tuple(words[end : end + len(seq)]) == seq:
                return True
        for seq in self.unless_preceded_by:
            if start >= len(seq) and tuple(words[start - len(seq) : start]) == seq:
                return True
        return False


def _joined_strings(tokens: Sequence[Token]) -> tuple[str, ...]:
    """Every way to write these phrase words run together (squeezed), at most 64."""
    candidates = [""]
    for token in tokens:
        if token.any_word or not token.words:
            return ()
        candidates = [c + w for c in candidates for w in token.words][:64]
    return tuple(dict.fromkeys(squeeze(c) for c in candidates))


def _joined_match(strings: tuple[str, ...], word: str) -> bool:
    """Does one text word match phrase words run together (one of ``strings``)?"""
    return any(
        word == joined or (joined[0] == word[0] and close(joined, word)) for joined in strings
    )


class _Text:
    """A text's squeezed words, and neighbours run together ("my self" → "myself")."""

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        self.runs = {
            n: [squeeze("".join(self.words[i : i + n])) for i in range(len(self.words) - n + 1)]
            for n in (2, 3)
        }


def _match(phrase: Phrase, ti: int, text: _Text, wi: int) -> int | None:
    tokens = phrase.tokens
    if ti == len(tokens):
        return wi
    token = tokens[ti]
    if token.optional:
        rest = _match(phrase, ti + 1, text, wi)
        if rest is not None:
            return rest
    words = text.words
    if wi >= len(words):
        return None
    word = words[wi]
    if token.matches(word):
        rest = _match(phrase, ti + 1, text, wi + 1)
        if rest is not None:
            return rest
    # Several phrase words written as one word ("killmyself", "selfharm").
    if len(word) > 3:
        for n, strings in phrase.joins[ti]:
            if _joined_match(strings, word):
                rest = _match(phrase, ti + n, text, wi + 1)
                if rest is not None:
                    return rest
    # One phrase word written as several ("my self", "sui cide").
    if not token.any_word:
        for n in (2, 3):
            run = text.runs[n]
            if wi < len(run) and token.matches(run[wi]):
                rest = _match(phrase, ti + 1, text, wi + n)
                if rest is not None:
                    return rest
    return None


@dataclass(frozen=True)
class Match:
    category: str
    phrase: str
    words: str  # the words of the text that matched (normalised)


@dataclass(frozen=True)
class ScreenResult:
    """What the screen found in one text. ``alert`` is True when anything matched."""

    matches: tuple[Match, ...] = field(default_factory=tuple)

    @property
    def alert(self) -> bool:
        return bool(self.matches)

    def __bool__(self) -> bool:
        return self.alert

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(m.category for m in self.matches))

    @property
    def phrases(self) -> list[str]:
        return list(dict.fromkeys(m.phrase for m in self.matches))


@dataclass(frozen=True)
class PhraseList:
    language: str
    categories: Mapping[str, str]  # code → label
    phrases: tuple[Phrase, ...]


@functools.cache
def phrase_list(language: str) -> PhraseList:
    """The shipped phrase list of a language (``apps/safety/phrases/<language>.yaml``)."""
    path = PHRASES_DIR / f"{language}.yaml"
    if not path.is_file():
        raise LookupError(f"No risk phrase list for language {language!r}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories, phrases = {}, []
    for code, category in data["categories"].items():
        categories[code] = str(category["label"])
        for spec in category["phrases"]:
            phrases.extend(Phrase.parse_all(spec, code))
    return PhraseList(language, categories, tuple(phrases))


def parse_extra_phrases(text: str) -> tuple[Phrase, ...]:
    """A service's added phrases: one a line, phrase syntax, ``#`` starts a comment."""
    phrases = []
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            phrases.extend(Phrase.parse_all(line, SERVICE_CATEGORY))
    return tuple(phrases)


def _start_tokens(phrase: Phrase) -> tuple[Token, ...] | None:
    """The tokens a match of ``phrase`` can begin with (None: any word)."""
    starts = []
    for token in phrase.tokens:
        if token.any_word:
            return None
        starts.append(token)
        if not token.optional:
            break
    return tuple(starts)


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` characters from it."""
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


@dataclass
class _Index:
    """Where each phrase can begin, looked up per text word instead of tried everywhere.

    A phrase can begin at a word only when one of its start tokens accepts the word
    (exactly, by prefix, or within its edits: found through shared deletions, as an
    edit distance of k means both words reduce to a common string by k deletions),
    accepts two or three neighbouring words run together, or when the word is one of
    the phrase's words run together (same first letter, length within the edits).
    """

    exact: dict[str, set[Token]]
    prefixes: list[tuple[str, Token]]
    fuzzy: dict[str, set[Token]]
    joined: dict[tuple[str, int], set[int]]
    by_token: dict[Token, list[int]]
    anywhere: list[int]

    def tokens_for(self, word: str) -> set[Token]:
        found = set(self.exact.get(word, ()))
        found.update(t for p, t in self.prefixes if word.startswith(p))
        for key in _deletions(word, 2 if len(word) >= 8 else 1):
            for token in self.fuzzy.get(key, ()):
                if token not in found and token.matches(word):
                    found.add(token)
        return found

    def phrases_at(self, text: _Text, wi: int) -> set[int]:
        word = text.words[wi]
        tokens = self.tokens_for(word)
        for n in (2, 3):
            if wi < len(text.runs[n]):
                tokens |= self.tokens_for(text.runs[n][wi])
        numbers = set(self.anywhere)
        for token in tokens:
            numbers.update(self.by_token.get(token, ()))
        numbers.update(self.joined.get((word[0], len(word)), ()))
        return numbers


@functools.lru_cache(maxsize=64)
def _index(phrases: tuple[Phrase, ...]) -> _Index:
    index = _Index({}, [], {}, {}, {}, [])
    for n, phrase in enumerate(phrases):
        starts = _start_tokens(phrase)
        if starts is None:
            index.anywhere.append(n)
            continue
        for i, token in enumerate(starts):
            index.by_token.setdefault(token, []).append(n)
            for word in token.words:
                index.exact.setdefault(word, set()).add(token)
                edits = 0 if word in token.exact else allowed_edits(word)
                if edits:
                    for key in _deletions(word, edits):
                        index.fuzzy.setdefault(key, set()).add(token)
            index.prefixes.extend((p, token) for p in token.prefixes)
            for _count, strings in phrase.joins[i]:
                for joined in strings:
                    edits = allowed_edits(joined)
                    for length in range(len(joined) - edits, len(joined) + edits + 1):
                        index.joined.setdefault((joined[0], length), set()).add(n)
    return index


def _screen(text: _Text, phrases: tuple[Phrase, ...]) -> list[Match]:
    index = _index(phrases)
    words = text.words
    done: set[int] = set()
    found: list[tuple[int, Match]] = []
    for start in range(len(words)):
        for n in sorted(index.phrases_at(text, start) - done):
            phrase = phrases[n]
            end = phrase.match_at(text, start)
            if end is not None and end > start and not phrase.excepted(words, start, end):
                done.add(n)
                found.append((n, Match(phrase.category, phrase.text, " ".join(words[start:end]))))
    return [match for _, match in sorted(found, key=lambda pair: pair[0])]


def screen_text(
    text,
    *,
    language: str | Iterable[str] | None = None,
    extra_phrases: str | Iterable[Phrase] = (),
) -> ScreenResult:
    """Screen one text. ``language``: a code, several, or None for every shipped list.

    English is always screened too (clients mix languages; a missed risk costs
    more than a false alarm). ``extra_phrases``: a service's added phrases (text,
    one a line, or parsed ``Phrase`` objects).
    """
    words = [squeeze(w) for w in normalise(text)]
    if not words:
        return ScreenResult()
    prepared = _Text(words)
    if language is None:
        codes = languages()
    elif isinstance(language, str):
        codes = [language]
    else:
        codes = list(language)
    codes = [c for c in dict.fromkeys([*codes, "en"]) if (PHRASES_DIR / f"{c}.yaml").is_file()]
    if isinstance(extra_phrases, str):
        extra_phrases = parse_extra_phrases(extra_phrases)
    extra_phrases = tuple(extra_phrases)
    matches: list[Match] = []
    for code in codes:
        matches.extend(_screen(prepared, phrase_list(code).phrases))
    matches.extend(_screen(prepared, extra_phrases))
    return ScreenResult(tuple(matches))


def screen_texts(texts: Iterable, **kwargs) -> ScreenResult:
    """Screen several texts (the fields of one entry); matches of all of them."""
    matches: list[Match] = []
    for text in texts:
        matches.extend(screen_text(text, **kwargs).matches)
    return ScreenResult(tuple(matches))


# --- The corpus and its report ----------------------------------------------------


@dataclass(frozen=True)
class CorpusReport:
    language: str
    positives: int
    negatives: int
    missed: tuple[str, ...]
    false_alarms: tuple[str, ...]
    negations: int
    negations_alerting: int

    @property
    def recall(self) -> float:
        return (self.positives - len(self.missed)) / self.positives if self.positives else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.negatives if self.negatives else 0.0


def corpus(language: str) -> dict[str, list[str]]:
    """``{"positive": [...], "negative": [...], "negation": [...]}`` for a language."""
    data = yaml.safe_load((CORPUS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    keys = ("positive", "negative", "negation")
    return {key: [str(s) for s in data.get(key) or []] for key in keys}


def corpus_report(language: str) -> CorpusReport:
    """Recall on the positive sentences, false alarms on the negative ones.

    Negations ("I'm not suicidal") alert by policy; they are counted apart and
    count neither as recall nor as false alarms.
    """
    sentences = corpus(language)
    # Screened as in production: every shipped language at once (language=None).
    missed = tuple(s for s in sentences["positive"] if not screen_text(s))
    false_alarms = tuple(s for s in sentences["negative"] if screen_text(s))
    negations = sentences["negation"]
    return CorpusReport(
        language=language,
        positives=len(sentences["positive"]),
        negatives=len(sentences["negative"]),
        missed=missed,
        false_alarms=false_alarms,
        negations=len(negations),
        negations_alerting=sum(1 for s in negations if screen_text(s)),
    )
