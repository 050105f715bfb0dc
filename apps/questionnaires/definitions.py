"""Questionnaire definitions: load, validate and look up instrument JSON files.

Every instrument (PHQ-9, GAD-7, WAI-SF-C, ...) is one JSON file in ``instruments/``; the
scoring engine in ``scoring.py`` reads only these definitions and has no per-instrument
code. Adding an instrument means adding a file. The format is described in
``docs/scoring.md``.

This module is plain Python (no Django) so it can be unit-tested without a database.
Settings pass paths in (the definitions directory, the licensed wording file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "DEFAULT_DIRECTORY",
    "Band",
    "Definition",
    "DefinitionError",
    "InvalidAnswer",
    "InvalidScore",
    "Item",
    "LoincCodes",
    "MissingItemsRule",
    "Option",
    "OutcomeNotDefined",
    "OutcomeRule",
    "RiskItemRule",
    "ScoringError",
    "Subscale",
    "TotalSpec",
    "UnknownInstrument",
    "InstrumentTranslation",
    "Wording",
    "WordingError",
    "WordingSpec",
    "all_definitions",
    "clear_cache",
    "get_definition",
    "load_definition",
    "load_definitions",
    "load_translation",
    "load_wording",
    "translate_definition",
]

DEFAULT_DIRECTORY: Final[Path] = Path(__file__).resolve().parent / "instruments"

# A definition file is ``<code>.json``. Other JSON files in the directory (for example
# ``<code>.placeholder-wording.json``) have a second dot or a hyphen and are skipped.
_CODE_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- errors


class ScoringError(Exception):
    """Base class of every expected failure in questionnaire definitions and scoring.

    ``code`` is a stable machine-readable reason, suitable for an API error body.
    """

    code: str = "scoring_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class DefinitionError(ScoringError):
    """An instrument definition file is missing, unreadable or fails validation.

    ``problems`` lists every problem found (each prefixed with its JSON location).
    """

    code = "invalid_definition"

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems)


class UnknownInstrument(ScoringError):
    """No definition exists for the requested instrument code."""

    code = "unknown_instrument"


class WordingError(ScoringError):
    """A licensed wording file exists but is malformed or does not match the definition."""

    code = "invalid_wording"


class InvalidAnswer(ScoringError):
    """Answers cannot be scored: unknown item number, non-integer or out-of-range value.

    ``code`` is ``"invalid_item_value"`` (value not one of the item's options) or
    ``"unknown_item"`` (item number not in the definition); ``item`` is the offending key.
    """

    code = "invalid_item_value"

    def __init__(self, message: str, *, code: str | None = None, item: object = None) -> None:
        super().__init__(message, code=code)
        self.item = item


class InvalidScore(ScoringError):
    """A score passed to change/outcome is out of range or belongs to another instrument."""

    code = "invalid_score"


class OutcomeNotDefined(ScoringError):
    """The instrument has no outcome rules (caseness, reliable change), e.g. WAI-SF-C."""

    code = "no_outcome_rules"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One answer option: the stored ``value`` and what the client sees."""

    value: int
    label: str
    loinc_answer: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One question. ``text`` is None until licensed wording is merged (WAI-SF-C).

    ``required`` is a form rule (the client must answer before submitting); scoring never
    relies on it. ``scored`` False marks items outside the total (PHQ-9/GAD-7 difficulty).
    """

    n: int
    link_id: str
    text: str | None
    loinc: str | None
    required: bool
    scored: bool
    options: tuple[Option, ...]
    answer_list: str | None = None

    @property
    def values(self) -> frozenset[int]:
        return frozenset(o.value for o in self.options)


@dataclass(frozen=True, slots=True, kw_only=True)
class Band:
    """A severity band, inclusive at both ends. ``key`` is the machine name."""

    min: int
    max: int
    key: str
    label: str
    meaning: str

    def contains(self, total: int) -> bool:
        return self.min <= total <= self.max


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscale:
    """A named group of scored items whose values are summed (e.g. WAI-SF-C ``bond``)."""

    name: str
    items: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TotalSpec:
    min: int
    max: int
    loinc: str | None
    method: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoincCodes:
    panel: str
    total: str
    answer_list: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingItemsRule:
    """Score only when at most ``max_missing`` scored items are missing (then prorate)."""

    max_missing: int
    policy: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskItemRule:
    """A risk item: a value above ``flag_above`` flags; missing means unknown; never prorated."""

    n: int
    flag_above: int
    rule: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeRule:
    """NHS Talking Therapies style thresholds: caseness at ``total >= caseness_from``;
    reliable change when the total moves by at least ``reliable_change``."""

    caseness_from: int
    reliable_change: int
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WordingSpec:
    """Item wording is not shipped; it comes from a file the deploying service supplies.

    ``placeholder_path`` is the bundled placeholder wording (demo and tests only).
    """

    source: str
    note: str
    placeholder_path: Path | None


@dataclass(frozen=True, kw_only=True)
class Definition:
    """A validated instrument definition. Immutable; obtain it with :func:`get_definition`."""

    code: str
    name: str
    short_name: str
    version: str
    stem: str | None
    attribution: str
    licence: str
    loinc: LoincCodes | None
    code_system: str
    options: tuple[Option, ...]
    items: tuple[Item, ...]
    total: TotalSpec
    bands: tuple[Band, ...]
    subscales: tuple[Subscale, ...]
    missing_items: MissingItemsRule
    risk_items: tuple[RiskItemRule, ...]
    severe_total_from: int | None
    outcome: OutcomeRule | None
    wording: WordingSpec | None
    wording_version: str | None = None
    source: Path | None = field(default=None, compare=False)
    # Who answers it: the client (default) or their practitioner (WAI-SF-T). A
    # practitioner's questionnaire is given wherever the client's ``pairs_with``
    # instrument is given, and the client never sees it.
    respondent: str = "client"
    pairs_with: str | None = None
    # The language the client reads it in, and whether that text is a placeholder
    # translation (demo and tests only). Scoring never depends on either.
    language: str = "en"
    translation_placeholder: bool = False

    @property
    def for_practitioner(self) -> bool:
        """Answered by the client's practitioner, never shown to the client."""
        return self.respondent == "practitioner"

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    @property
    def needs_wording(self) -> bool:
        """True while item texts still have to be merged from a licensed wording file."""
        return any(i.text is None for i in self.items)

    def item(self, n: int) -> Item:
        """Return item ``n``; raises KeyError if there is none."""
        for i in self.items:
            if i.n == n:
                return i
        raise KeyError(n)

    def band_for(self, total: int | None) -> Band | None:
        """The band containing ``total``; None for None. Raises InvalidScore if out of range."""
        if total is None:
            return None
        for band in self.bands:
            if band.contains(total):
                return band
        raise InvalidScore(
            f"{self.code}: total {total} is outside {self.total.min}-{self.total.max}"
        )

    def band(self, key: str) -> Band:
        """The band with machine name ``key``; raises KeyError if there is none."""
        for b in self.bands:
            if b.key == key:
                return b
        raise KeyError(key)

    def with_wording(self, wording: Wording) -> Definition:
        """Return a copy with item texts (and stem, if given) from ``wording``.

        Raises WordingError if the wording belongs to another instrument.
        """
        if wording.definition_code != self.code:
            raise WordingError(
                f"wording for {wording.definition_code!r} cannot be applied to {self.code!r}"
            )
        items = tuple(
            replace(i, text=wording.items[i.n]) if i.n in wording.items else i for i in self.items
        )
        return replace(
            self,
            items=items,
            stem=wording.stem if wording.stem is not None else self.stem,
            wording_version=wording.version,
        )


@dataclass(frozen=True, kw_only=True)
class Wording:
    """Licensed item wording read from a service-supplied file.

    Record ``version`` with each administration.
    """

    definition_code: str
    version: str
    language: str
    items: Mapping[int, str]
    stem: str | None
    path: Path = field(compare=False)


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Typed access to a JSON object that fails with the JSON location in the message."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> DefinitionError:
        problem = f"{where}: {message}" if where else message
        return DefinitionError(f"{self.source}: {problem}", problems=[problem])

    def obj(
        self,
        value: Any,
        where: str,
        *,
        required: Sequence[str],
        optional: Sequence[str] = (),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        missing = [k for k in required if k not in value]
        if missing:
            raise self.fail(where, f"missing key(s): {', '.join(missing)}")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise self.fail(where, f"unknown key(s): {', '.join(unknown)}")
        return value

    def int_(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {value!r}")
        return value

    def opt_int(self, value: Any, where: str) -> int | None:
        return None if value is None else self.int_(value, where)

    def str_(self, value: Any, where: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        return value

    def opt_str(self, value: Any, where: str) -> str | None:
        return None if value is None else self.str_(value, where)

    def bool_(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {value!r}")
        return value

    def list_(self, value: Any, where: str, *, non_empty: bool = True) -> list[Any]:
        if not isinstance(value, list) or (non_empty and not value):
            raise self.fail(where, "expected a non-empty list" if non_empty else "expected a list")
        return value


_TOP_REQUIRED: Final = (
    "code",
    "name",
    "version",
    "stem",
    "attribution",
    "loinc",
    "code_system",
    "options",
    "items",
    "total",
    "bands",
    "subscales",
    "missing_items",
    "risk_items",
    "severe_total_from",
    "outcome",
    "wording",
)
_TOP_OPTIONAL: Final = ("short_name", "licence", "about", "respondent", "pairs_with")
RESPONDENTS: Final = ("client", "practitioner")


def _parse_options(r: _Reader, raw: Any, where: str) -> tuple[Option, ...]:
    options = []
    for k, o in enumerate(r.list_(raw, where)):
        w = f"{where}[{k}]"
        o = r.obj(o, w, required=("value", "label", "loinc_answer"))
        options.append(
            Option(
                value=r.int_(o["value"], f"{w}.value"),
                label=r.str_(o["label"], f"{w}.label"),
                loinc_answer=r.opt_str(o["loinc_answer"], f"{w}.loinc_answer"),
            )
        )
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        raise r.fail(where, f"option values must be unique, got {values}")
    return tuple(options)


def _parse(data: Any, *, source: str, base_dir: Path | None) -> Definition:
    r = _Reader(source)
    d = r.obj(data, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)

    code = r.str_(d["code"], "code")
    if not _CODE_RE.match(code):
        raise r.fail("code", f"{code!r} must be lower case letters, digits and underscores")

    options = _parse_options(r, d["options"], "options")

    items: list[Item] = []
    for k, raw in enumerate(r.list_(d["items"], "items")):
        w = f"items[{k}]"
        i = r.obj(
            raw,
            w,
            required=("link_id", "n", "text", "loinc", "required", "scored"),
            optional=("options", "answer_list"),
        )
        items.append(
            Item(
                n=r.int_(i["n"], f"{w}.n"),
                link_id=r.str_(i["link_id"], f"{w}.link_id"),
                text=r.opt_str(i["text"], f"{w}.text"),
                loinc=r.opt_str(i["loinc"], f"{w}.loinc"),
                required=r.bool_(i["required"], f"{w}.required"),
                scored=r.bool_(i["scored"], f"{w}.scored"),
                options=(
                    _parse_options(r, i["options"], f"{w}.options") if "options" in i else options
                ),
                answer_list=r.opt_str(i.get("answer_list"), f"{w}.answer_list"),
            )
        )

    t = r.obj(d["total"], "total", required=("range", "loinc"), optional=("method",))
    rng = r.list_(t["range"], "total.range")
    if len(rng) != 2:
        raise r.fail("total.range", "expected [min, max]")
    total = TotalSpec(
        min=r.int_(rng[0], "total.range[0]"),
        max=r.int_(rng[1], "total.range[1]"),
        loinc=r.opt_str(t["loinc"], "total.loinc"),
        method=r.str_(t.get("method", ""), "total.method", allow_empty=True),
    )

    bands = []
    for k, raw in enumerate(r.list_(d["bands"], "bands")):
        w = f"bands[{k}]"
        b = r.obj(raw, w, required=("min", "max", "key", "label", "meaning"))
        bands.append(
            Band(
                min=r.int_(b["min"], f"{w}.min"),
                max=r.int_(b["max"], f"{w}.max"),
                key=r.str_(b["key"], f"{w}.key"),
                label=r.str_(b["label"], f"{w}.label"),
                meaning=r.str_(b["meaning"], f"{w}.meaning"),
            )
        )

    if not isinstance(d["subscales"], dict):
        raise r.fail("subscales", "expected an object of name -> item numbers")
    subscales = tuple(
        Subscale(
            name=name,
            items=tuple(
                r.int_(n, f"subscales.{name}[{k}]")
                for k, n in enumerate(r.list_(raw, f"subscales.{name}"))
            ),
        )
        for name, raw in d["subscales"].items()
    )

    m = r.obj(d["missing_items"], "missing_items", required=("max_missing", "policy"))
    missing_items = MissingItemsRule(
        max_missing=r.int_(m["max_missing"], "missing_items.max_missing"),
        policy=r.str_(m["policy"], "missing_items.policy"),
    )

    risk_items = []
    for k, raw in enumerate(r.list_(d["risk_items"], "risk_items", non_empty=False)):
        w = f"risk_items[{k}]"
        ri = r.obj(raw, w, required=("n", "flag_above", "rule"))
        risk_items.append(
            RiskItemRule(
                n=r.int_(ri["n"], f"{w}.n"),
                flag_above=r.int_(ri["flag_above"], f"{w}.flag_above"),
                rule=r.str_(ri["rule"], f"{w}.rule"),
            )
        )

    outcome = None
    if d["outcome"] is not None:
        o = r.obj(
            d["outcome"],
            "outcome",
            required=("caseness_from", "reliable_change"),
            optional=("source",),
        )
        outcome = OutcomeRule(
            caseness_from=r.int_(o["caseness_from"], "outcome.caseness_from"),
            reliable_change=r.int_(o["reliable_change"], "outcome.reliable_change"),
            source=r.str_(o.get("source", ""), "outcome.source", allow_empty=True),
        )

    loinc = None
    if d["loinc"] is not None:
        lo = r.obj(d["loinc"], "loinc", required=("panel", "total"), optional=("answer_list",))
        loinc = LoincCodes(
            panel=r.str_(lo["panel"], "loinc.panel"),
            total=r.str_(lo["total"], "loinc.total"),
            answer_list=r.opt_str(lo.get("answer_list"), "loinc.answer_list"),
        )

    wording = None
    if d["wording"] is not None:
        wo = r.obj(d["wording"], "wording", required=("source", "note"), optional=("placeholder",))
        placeholder = r.opt_str(wo.get("placeholder"), "wording.placeholder")
        if placeholder and base_dir is not None and not (base_dir / placeholder).is_file():
            raise r.fail(
                "wording.placeholder", f"file {placeholder!r} not found beside the definition"
            )
        wording = WordingSpec(
            source=r.str_(wo["source"], "wording.source"),
            note=r.str_(wo["note"], "wording.note"),
            placeholder_path=(
                (base_dir / placeholder) if placeholder and base_dir is not None else None
            ),
        )

    definition = Definition(
        code=code,
        name=r.str_(d["name"], "name"),
        short_name=r.str_(d.get("short_name", d["name"]), "short_name"),
        version=r.str_(d["version"], "version"),
        stem=r.opt_str(d["stem"], "stem"),
        attribution=r.str_(d["attribution"], "attribution", allow_empty=True),
        licence=r.str_(d.get("licence", ""), "licence", allow_empty=True),
        loinc=loinc,
        code_system=r.str_(d["code_system"], "code_system"),
        options=options,
        items=tuple(items),
        total=total,
        bands=tuple(bands),
        subscales=subscales,
        missing_items=missing_items,
        risk_items=tuple(risk_items),
        severe_total_from=r.opt_int(d["severe_total_from"], "severe_total_from"),
        outcome=outcome,
        wording=wording,
        respondent=r.str_(d.get("respondent", "client"), "respondent"),
        pairs_with=r.opt_str(d.get("pairs_with"), "pairs_with"),
    )
    problems = _check(definition)
    if problems:
        raise DefinitionError(
            f"{source}: invalid definition:\n  - " + "\n  - ".join(problems), problems=problems
        )
    return definition


def _check(d: Definition) -> list[str]:
    """Cross-field checks. Returns every problem found (empty list when valid)."""
    problems: list[str] = []
    numbers = [i.n for i in d.items]
    if len(set(numbers)) != len(numbers):
        problems.append(f"items: item numbers must be unique, got {numbers}")
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(f"items: item numbers must run 1..{len(numbers)}, got {numbers}")
    link_ids = [i.link_id for i in d.items]
    if len(set(link_ids)) != len(link_ids):
        problems.append("items: link_id values must be unique")
    scored = {i.n: i for i in d.items if i.scored}
    if not scored:
        problems.append("items: at least one item must be scored")

    if d.wording is None:
        for i in d.items:
            if i.text is None:
                problems.append(f"items: item {i.n} has no text and the definition has no wording")
    else:
        for i in d.items:
            if i.text is not None:
                problems.append(f"items: item {i.n} has text but wording comes from a service file")

    # The total range must be what the scored items can actually produce.
    if scored:
        lo = sum(min(i.values) for i in scored.values())
        hi = sum(max(i.values) for i in scored.values())
        if (d.total.min, d.total.max) != (lo, hi):
            problems.append(
                f"total.range: [{d.total.min}, {d.total.max}] does not match the scored items "
                f"([{lo}, {hi}])"
            )
    if d.loinc is not None and d.total.loinc is not None and d.loinc.total != d.total.loinc:
        problems.append(f"loinc.total {d.loinc.total} differs from total.loinc {d.total.loinc}")

    # Bands: ordered, contiguous, no overlap, covering the total range exactly.
    keys = [b.key for b in d.bands]
    if len(set(keys)) != len(keys):
        problems.append(f"bands: keys must be unique, got {keys}")
    for b in d.bands:
        if not _KEY_RE.match(b.key):
            problems.append(f"bands: key {b.key!r} must be lower case letters and underscores")
        if b.min > b.max:
            problems.append(f"bands: {b.key} has min {b.min} above max {b.max}")
    ordered = sorted(d.bands, key=lambda b: b.min)
    if ordered and ordered[0].min != d.total.min:
        problems.append(
            f"bands: first band starts at {ordered[0].min}, total starts at {d.total.min}"
        )
    if ordered and ordered[-1].max != d.total.max:
        problems.append(f"bands: last band ends at {ordered[-1].max}, total ends at {d.total.max}")
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        if nxt.min <= prev.max:
            problems.append(
                f"bands: {prev.key} ({prev.min}-{prev.max}) overlaps {nxt.key} "
                f"({nxt.min}-{nxt.max})"
            )
        elif nxt.min != prev.max + 1:
            problems.append(
                f"bands: gap between {prev.key} (ends {prev.max}) and {nxt.key} (starts {nxt.min})"
            )

    for subscale in d.subscales:
        name, members = subscale.name, subscale.items
        if not _KEY_RE.match(name):
            problems.append(f"subscales: name {name!r} must be lower case letters and underscores")
        if not members:
            problems.append(f"subscales.{name}: has no items")
        if len(set(members)) != len(members):
            problems.append(f"subscales.{name}: lists an item twice")
        for n in members:
            if n not in scored:
                problems.append(f"subscales.{name}: item {n} does not exist or is not scored")

    if d.respondent not in RESPONDENTS:
        problems.append(f"respondent: {d.respondent!r} must be one of {', '.join(RESPONDENTS)}")
    if d.pairs_with is not None and d.respondent != "practitioner":
        problems.append("pairs_with: only a practitioner's questionnaire pairs with another")
    if d.pairs_with is not None and d.pairs_with == d.code:
        problems.append("pairs_with: a questionnaire cannot pair with itself")

    mm = d.missing_items.max_missing
    if not 0 <= mm < max(len(scored), 1):
        problems.append(f"missing_items.max_missing: {mm} must be between 0 and {len(scored) - 1}")

    seen_risk: set[int] = set()
    for rule in d.risk_items:
        if rule.n in seen_risk:
            problems.append(f"risk_items: item {rule.n} listed twice")
        seen_risk.add(rule.n)
        item = scored.get(rule.n)
        if item is None:
            problems.append(f"risk_items: item {rule.n} does not exist or is not scored")
        elif not min(item.values) <= rule.flag_above < max(item.values):
            problems.append(
                f"risk_items: flag_above {rule.flag_above} for item {rule.n} can never flag "
                f"or always flags (values {sorted(item.values)})"
            )

    if d.severe_total_from is not None and not d.total.min <= d.severe_total_from <= d.total.max:
        problems.append(f"severe_total_from: {d.severe_total_from} is outside the total range")
    if d.outcome is not None:
        if not d.total.min < d.outcome.caseness_from <= d.total.max:
            problems.append(
                f"outcome.caseness_from: {d.outcome.caseness_from} is outside the total range"
            )
        if not 0 < d.outcome.reliable_change <= d.total.max - d.total.min:
            problems.append(
                f"outcome.reliable_change: {d.outcome.reliable_change} is not a possible change"
            )
    return problems


# --------------------------------------------------------------------------- loading


def load_definition(path: str | Path) -> Definition:
    """Load and validate one definition file (not cached).

    Raises DefinitionError if the file cannot be read, is not JSON, fails validation, or its
    ``code`` differs from the file name.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot read definition: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"{path}: not valid JSON: {exc}") from exc
    definition = _parse(data, source=str(path), base_dir=path.parent)
    if definition.code != path.stem:
        raise DefinitionError(
            f"{path}: code {definition.code!r} must match the file name ({path.stem!r})"
        )
    return replace(definition, source=path)


@lru_cache(maxsize=8)
def _load_directory(directory: Path) -> Mapping[str, Definition]:
    if not directory.is_dir():
        raise DefinitionError(f"{directory}: definitions directory does not exist")
    found = {}
    for path in sorted(directory.glob("*.json")):
        if _CODE_RE.match(path.stem):
            definition = load_definition(path)
            found[definition.code] = definition
    for definition in found.values():
        partner = found.get(definition.pairs_with) if definition.pairs_with else None
        if definition.pairs_with and (partner is None or partner.for_practitioner):
            raise DefinitionError(
                f"{definition.source}: pairs_with {definition.pairs_with!r} is not a client's "
                "questionnaire in the same directory"
            )
    return MappingProxyType(found)


def load_definitions(directory: str | Path | None = None) -> Mapping[str, Definition]:
    """All definitions in ``directory`` (default: the bundled ``instruments/``), by code.

    Cached per directory; call :func:`clear_cache` after changing files. Raises
    DefinitionError if the directory is missing or any definition is invalid, so a bad file
    fails loudly at start-up rather than at the first administration.
    """
    return _load_directory(Path(directory or DEFAULT_DIRECTORY).resolve())


def get_definition(code: str, *, directory: str | Path | None = None) -> Definition:
    """The definition for ``code``. Raises UnknownInstrument if there is none."""
    definitions = load_definitions(directory)
    try:
        return definitions[code]
    except KeyError:
        known = ", ".join(sorted(definitions)) or "none"
        raise UnknownInstrument(f"no questionnaire definition {code!r} (known: {known})") from None


def all_definitions(*, directory: str | Path | None = None) -> tuple[Definition, ...]:
    """Every definition, sorted by code."""
    definitions = load_definitions(directory)
    return tuple(definitions[c] for c in sorted(definitions))


def clear_cache() -> None:
    """Forget loaded definitions (tests, or after deploying new files)."""
    _load_directory.cache_clear()


# --------------------------------------------------------------------------- wording

_WORDING_REQUIRED: Final = ("version", "language", "items")
_WORDING_OPTIONAL: Final = ("stem", "about")


def load_wording(*, definition: Definition, path: str | Path | None) -> Wording | None:
    """Read licensed item wording for ``definition`` from the service-supplied file ``path``.

    Returns None (without raising) when ``path`` is None or the file does not exist, so the
    caller can tell admins the wording is missing. Raises WordingError when the definition
    does not take external wording, when the file is unreadable or malformed, or when its
    item numbers differ from the items the definition leaves without text.
    Format: ``{"version": "...", "language": "en", "items": {"1": "text", ...}}`` with
    optional ``stem`` and ``about``.
    """
    if definition.wording is None:
        raise WordingError(f"{definition.code} ships its own wording; no wording file is used")
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WordingError(f"{path}: cannot read wording file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise WordingError(f"{path}: wording file is not valid JSON: {exc}") from exc

    def bad(message: str) -> WordingError:
        return WordingError(f"{path}: {definition.code} wording: {message}")

    if not isinstance(data, dict):
        raise bad("expected a JSON object")
    missing = [k for k in _WORDING_REQUIRED if k not in data]
    if missing:
        raise bad(f"missing key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(_WORDING_REQUIRED) - set(_WORDING_OPTIONAL))
    if unknown:
        raise bad(f"unknown key(s): {', '.join(unknown)}")
    for key in ("version", "language"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise bad(f"{key!r} must be a non-empty string")
    stem = data.get("stem")
    if stem is not None and (not isinstance(stem, str) or not stem.strip()):
        raise bad("'stem' must be a non-empty string when given")
    raw_items = data["items"]
    if not isinstance(raw_items, dict):
        raise bad('"items" must be an object of item number -> text')
    items: dict[int, str] = {}
    for key, text in raw_items.items():
        if not (isinstance(key, str) and key.isdigit() and key == str(int(key))):
            raise bad(f"item key {key!r} is not an item number")
        if not isinstance(text, str) or not text.strip():
            raise bad(f"item {key} must have non-empty text")
        items[int(key)] = text
    expected = {i.n for i in definition.items if i.text is None}
    if set(items) != expected:
        absent = sorted(expected - set(items))
        extra = sorted(set(items) - expected)
        raise bad(
            f"item numbers do not match the definition (missing {absent}, unexpected {extra})"
        )
    return Wording(
        definition_code=definition.code,
        version=data["version"],
        language=data["language"],
        items=dict(sorted(items.items())),
        stem=stem,
        path=path,
    )


# --------------------------------------------------------------------------- translations


@dataclass(frozen=True, kw_only=True)
class InstrumentTranslation:
    """An instrument's wording in another language, read from ``<code>.<lang>.json``.

    Scoring, values, codes and link IDs never change: only what the client reads.
    A real translation names its ``source`` (the validated translation it copies)
    and its ``licence``; a ``placeholder`` is for the demo and tests only and is
    shown with a visible mark.
    """

    definition_code: str
    language: str
    version: str
    placeholder: bool
    source: str
    licence: str
    name: str | None
    stem: str | None
    attribution: str | None
    items: Mapping[int, str]
    options: Mapping[int, str]
    item_options: Mapping[int, Mapping[int, str]]
    path: Path = field(compare=False)


def _int_keyed(data: Any, where: str, path: Path) -> dict[int, str]:
    if not isinstance(data, dict):
        raise WordingError(f"{path}: {where} must be an object of number to text")
    out: dict[int, str] = {}
    for key, value in data.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise WordingError(f"{path}: {where}: key {key!r} is not a number") from None
        if not isinstance(value, str) or not value.strip():
            raise WordingError(f"{path}: {where}[{key}] must be non-empty text")
        out[number] = value
    return out


def load_translation(*, definition: Definition, path: str | Path) -> InstrumentTranslation:
    """Read and check a translation of ``definition`` from ``path``.

    Format: ``{"code", "language", "version", "placeholder" (bool), "source",
    "licence", "items": {"1": text, ...}, "options": {"0": label, ...}}`` with
    optional ``name``, ``stem``, ``attribution`` and ``item_options`` (labels of
    items that have their own options, e.g. PHQ-9 item 10). Every item and every
    option must be translated; a translation that is not a placeholder must name
    its source and licence. Raises WordingError naming the file and the problem.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WordingError(f"{path}: cannot read translation file: {exc}") from exc
    if not isinstance(data, dict):
        raise WordingError(f"{path}: expected an object")
    for key in ("code", "language", "version", "items", "options"):
        if key not in data:
            raise WordingError(f"{path}: missing key {key!r}")
    if data["code"] != definition.code:
        raise WordingError(f"{path}: is for {data['code']!r}, not {definition.code!r}")
    placeholder = data.get("placeholder") is True
    source = str(data.get("source") or "").strip()
    licence = str(data.get("licence") or "").strip()
    if not placeholder and (not source or not licence):
        raise WordingError(
            f"{path}: a translation that is not a placeholder must name its validated "
            "'source' and its 'licence'"
        )
    items = _int_keyed(data["items"], "items", path)
    wanted = {i.n for i in definition.items}
    if set(items) != wanted:
        raise WordingError(
            f"{path}: items {sorted(items)} do not match the instrument's {sorted(wanted)}"
        )
    options = _int_keyed(data["options"], "options", path)
    if set(options) != {o.value for o in definition.options}:
        raise WordingError(f"{path}: options must translate every value of the instrument")
    item_options_raw = data.get("item_options") or {}
    if not isinstance(item_options_raw, dict):
        raise WordingError(f"{path}: item_options must be an object")
    item_options = {
        int(k): _int_keyed(v, f"item_options[{k}]", path) for k, v in item_options_raw.items()
    }
    for item in definition.items:
        if item.options != definition.options:
            labels = item_options.get(item.n)
            if labels is None or set(labels) != {o.value for o in item.options}:
                raise WordingError(f"{path}: item_options must translate item {item.n}")
    return InstrumentTranslation(
        definition_code=definition.code,
        language=str(data["language"]),
        version=str(data["version"]),
        placeholder=placeholder,
        source=source,
        licence=licence,
        name=data.get("name"),
        stem=data.get("stem"),
        attribution=data.get("attribution"),
        items=MappingProxyType(items),
        options=MappingProxyType(options),
        item_options=MappingProxyType(item_options),
        path=path,
    )


def translate_definition(definition: Definition, translation: InstrumentTranslation) -> Definition:
    """A copy of ``definition`` reading in the translation's language; scoring unchanged."""

    def relabel(options: tuple[Option, ...], labels: Mapping[int, str]) -> tuple[Option, ...]:
        return tuple(replace(o, label=labels.get(o.value, o.label)) for o in options)

    items = tuple(
        replace(
            item,
            text=translation.items.get(item.n, item.text),
            options=relabel(
                item.options,
                translation.item_options.get(item.n)
                if item.options != definition.options
                else translation.options,
            ),
        )
        for item in definition.items
    )
    return replace(
        definition,
        items=items,
        options=relabel(definition.options, translation.options),
        name=translation.name or definition.name,
        stem=translation.stem if translation.stem is not None else definition.stem,
        attribution=translation.attribution or definition.attribution,
        language=translation.language,
        translation_placeholder=translation.placeholder,
    )
