"""The questionnaire scoring engine.

Everything instrument-specific (items, options, bands, proration limit, risk items,
subscales, outcome thresholds) comes from a :class:`~apps.questionnaires.definitions.Definition`;
there is no per-instrument code here. The rules implemented, and which of them are project
policy, are documented in ``docs/scoring.md``.

Plain Python (no Django), so it is unit-testable without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any, Final

from .definitions import (
    Band,
    Definition,
    InvalidAnswer,
    InvalidScore,
    OutcomeNotDefined,
    ScoringError,
    UnknownInstrument,
    get_definition,
)

__all__ = [
    "ChangeCategory",
    "ChangeResult",
    "OutcomeResult",
    "RiskResult",
    "RiskStatus",
    "ScoreResult",
    "SubscaleChange",
    "change",
    "outcome",
    "score",
    "subscale_change",
    "subscale_scores",
]

_FOUR_PLACES: Final = Decimal("0.0001")
_WHOLE: Final = Decimal(1)


class RiskStatus(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive_requires_risk_assessment"
    UNKNOWN = "unknown_requires_clinician_review"


class ChangeCategory(StrEnum):
    RELIABLE_IMPROVEMENT = "reliable_improvement"
    RELIABLE_DETERIORATION = "reliable_deterioration"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    NOT_CLASSIFIABLE = "not_classifiable"


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskResult:
    """The state of one risk item (PHQ-9 item 9).

    ``flag`` is True (value above the threshold), False (answered, not above) or None
    (missing: unknown, never inferred).
    """

    n: int
    link_id: str
    value: int | None
    flag: bool | None
    status: RiskStatus


@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    """The score of one administration.

    ``valid`` False means not scorable (too many items missing): ``total``, ``band`` and
    ``caseness`` are None, but ``raw_sum``, ``n_answered`` and ``risk`` are still reported,
    and a positive or unknown risk item must still be acted on.
    """

    code: str
    version: str
    total: int | None
    raw_sum: int
    n_answered: int
    n_items: int
    missing: tuple[int, ...]
    prorated: bool
    prorated_exact: Decimal | None
    valid: bool
    band: Band | None
    subscales: Mapping[str, int | None]
    risk: Mapping[int, RiskResult]
    severe: bool
    caseness: bool | None

    @property
    def risk_flagged(self) -> bool:
        """A risk item was answered above its threshold."""
        return any(r.flag is True for r in self.risk.values())

    @property
    def risk_unknown(self) -> bool:
        """A risk item is missing: the administration must go to a clinician."""
        return any(r.flag is None for r in self.risk.values())

    @property
    def needs_clinician_review(self) -> bool:
        """Positive or unknown risk, or a total at or above ``severe_total_from``."""
        return self.risk_flagged or self.risk_unknown or self.severe

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary (Decimal as string, band as its key)."""
        return {
            "code": self.code,
            "version": self.version,
            "total": self.total,
            "raw_sum": self.raw_sum,
            "n_answered": self.n_answered,
            "n_items": self.n_items,
            "missing": list(self.missing),
            "prorated": self.prorated,
            "prorated_exact": None if self.prorated_exact is None else str(self.prorated_exact),
            "valid": self.valid,
            "band": None if self.band is None else self.band.key,
            "subscales": dict(self.subscales),
            "risk": {
                str(n): {"value": r.value, "flag": r.flag, "status": str(r.status)}
                for n, r in self.risk.items()
            },
            "severe": self.severe,
            "caseness": self.caseness,
        }


@dataclass(frozen=True, kw_only=True)
class ChangeResult:
    """First-vs-last change on one measure.

    When either score is missing or not scorable, ``classifiable`` is False, ``category``
    is ``not_classifiable``, ``delta`` and every change and recovery judgement are None
    (caseness is still given for the side that has a total).
    ``recovery`` and ``reliable_recovery`` are None when the first score was not at caseness.
    """

    code: str
    first_total: int | None
    last_total: int | None
    classifiable: bool
    delta: int | None
    caseness_first: bool | None
    caseness_last: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    recovery: bool | None
    reliable_recovery: bool | None
    category: ChangeCategory

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "first_total": self.first_total,
            "last_total": self.last_total,
            "classifiable": self.classifiable,
            "delta": self.delta,
            "caseness_first": self.caseness_first,
            "caseness_last": self.caseness_last,
            "reliable_improvement": self.reliable_improvement,
            "reliable_deterioration": self.reliable_deterioration,
            "recovery": self.recovery,
            "reliable_recovery": self.reliable_recovery,
            "category": str(self.category),
        }


@dataclass(frozen=True, kw_only=True)
class OutcomeResult:
    """The combined NHS Talking Therapies outcome across measures (PHQ-9 and GAD-7).

    ``measures`` holds the per-measure changes. Not classifiable when any measure passed
    in is not classifiable (project policy): then every judgement is None.
    """

    measures: Mapping[str, ChangeResult]
    classifiable: bool
    caseness_first: bool | None
    caseness_last: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    recovery: bool | None
    reliable_recovery: bool | None
    category: ChangeCategory

    def to_dict(self) -> dict[str, Any]:
        return {
            "measures": {code: c.to_dict() for code, c in self.measures.items()},
            "classifiable": self.classifiable,
            "caseness_first": self.caseness_first,
            "caseness_last": self.caseness_last,
            "reliable_improvement": self.reliable_improvement,
            "reliable_deterioration": self.reliable_deterioration,
            "recovery": self.recovery,
            "reliable_recovery": self.reliable_recovery,
            "category": str(self.category),
        }


# --------------------------------------------------------------------------- score


def _clean_answers(definition: Definition, answers: Mapping[int, int | None]) -> dict[int, int]:
    """Validate answers; return the answered ones. Raises InvalidAnswer."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswer(
            "answers must be a mapping of item number to value", code="invalid_answers"
        )
    by_n = {i.n: i for i in definition.items}
    clean: dict[int, int] = {}
    for n, value in answers.items():
        if isinstance(n, bool) or not isinstance(n, int) or n not in by_n:
            raise InvalidAnswer(
                f"{definition.code}: there is no item {n!r}", code="unknown_item", item=n
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in by_n[n].values:
            raise InvalidAnswer(
                f"{definition.code}: item {n} value {value!r} is not one of "
                f"{sorted(by_n[n].values)}",
                code="invalid_item_value",
                item=n,
            )
        clean[n] = value
    return clean


def _prorate(*, raw_sum: int, n_items: int, n_answered: int) -> tuple[int, Decimal]:
    """Round half up of raw_sum × n_items ÷ n_answered, and the exact value to 4 places.

    Both are rounded from the full quotient (never from the 4-place value), with Decimal
    and ROUND_HALF_UP: Python's round() rounds half to even and would move 4.5 to 4.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        exact = Decimal(raw_sum) * Decimal(n_items) / Decimal(n_answered)
        return (
            int(exact.quantize(_WHOLE, rounding=ROUND_HALF_UP)),
            exact.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP),
        )


def score(*, definition: Definition, answers: Mapping[int, int | None]) -> ScoreResult:
    """Score one administration of ``definition``.

    ``answers`` maps item number (1-based, as in the definition; unscored items such as the
    PHQ-9 difficulty question are allowed and ignored for the total) to the chosen option
    value, or None / absent when unanswered.

    Up to ``missing_items.max_missing`` scored items may be missing: the total is then
    prorated (round half up of sum × n_items ÷ n_answered). With more missing the result is
    not valid and has no total, band or caseness. Risk items are judged on their own answer
    only: missing means unknown, never inferred. Subscales are summed only when all their
    items are answered and the administration is valid (never prorated).

    Raises InvalidAnswer (``code`` ``"unknown_item"`` or ``"invalid_item_value"``) for a key
    that is not an item, or a value that is not one of the item's options.
    """
    clean = _clean_answers(definition, answers)
    scored = definition.scored_items
    answered = {i.n: clean[i.n] for i in scored if i.n in clean}
    missing = tuple(i.n for i in scored if i.n not in clean)
    raw_sum = sum(answered.values())
    n_items, n_answered = len(scored), len(answered)
    valid = len(missing) <= definition.missing_items.max_missing

    total: int | None = None
    prorated_exact: Decimal | None = None
    if valid and not missing:
        total = raw_sum
    elif valid:
        total, prorated_exact = _prorate(raw_sum=raw_sum, n_items=n_items, n_answered=n_answered)

    subscales = _subscales(definition, answered, valid=valid)

    risk: dict[int, RiskResult] = {}
    for rule in definition.risk_items:
        value = answered.get(rule.n)
        if value is None:
            flag, status = None, RiskStatus.UNKNOWN
        elif value > rule.flag_above:
            flag, status = True, RiskStatus.POSITIVE
        else:
            flag, status = False, RiskStatus.NEGATIVE
        risk[rule.n] = RiskResult(
            n=rule.n,
            link_id=definition.item(rule.n).link_id,
            value=value,
            flag=flag,
            status=status,
        )

    rule = definition.outcome
    return ScoreResult(
        code=definition.code,
        version=definition.version,
        total=total,
        raw_sum=raw_sum,
        n_answered=n_answered,
        n_items=n_items,
        missing=missing,
        prorated=prorated_exact is not None,
        prorated_exact=prorated_exact,
        valid=valid,
        band=definition.band_for(total),
        subscales=subscales,
        risk=risk,
        severe=(
            total is not None
            and definition.severe_total_from is not None
            and total >= definition.severe_total_from
        ),
        caseness=(None if total is None or rule is None else total >= rule.caseness_from),
    )


# --------------------------------------------------------------------------- subscales


def _subscales(
    definition: Definition, answered: Mapping[int, int], *, valid: bool
) -> dict[str, int | None]:
    return {
        s.name: (
            sum(answered[n] for n in s.items)
            if valid and all(n in answered for n in s.items)
            else None
        )
        for s in definition.subscales
    }


def subscale_scores(
    *, definition: Definition, answers: Mapping[int, int | None]
) -> dict[str, int | None]:
    """Each subscale's score for one administration, by subscale name, in the definition's order.

    The WAI-SF-C and WAI-SF-T: ``{"task": …, "bond": …, "goal": …}``, each the sum of its
    four items (4–20; task 1, 2, 10, 12; bond 3, 5, 7, 9; goal 4, 6, 8, 11, from the
    definition file, never from code). A subscale is None unless every one of its items
    is answered and the administration is scorable under the missing-items policy
    (the WAI allows none missing); subscales are never prorated. The same numbers as
    ``score(...).subscales``.

    Raises InvalidAnswer for a key that is not an item or a value that is not an option.
    """
    clean = _clean_answers(definition, answers)
    scored = definition.scored_items
    answered = {i.n: clean[i.n] for i in scored if i.n in clean}
    missing = len(scored) - len(answered)
    return _subscales(definition, answered, valid=missing <= definition.missing_items.max_missing)


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscaleChange:
    """One score (the total, or a subscale) at two time points and its change.

    ``change`` is ``end - early`` (positive: higher at the end; for the WAI a stronger
    alliance), None when either side is missing.
    """

    name: str
    early: int | None
    end: int | None

    @property
    def change(self) -> int | None:
        if self.early is None or self.end is None:
            return None
        return self.end - self.early


SubscaleInput = ScoreResult | Mapping[str, int | None] | None


def _parts(definition: Definition, value: SubscaleInput) -> Mapping[str, int | None]:
    if value is None:
        return {}
    if isinstance(value, ScoreResult):
        if value.code != definition.code:
            raise InvalidScore(f"a {value.code} result cannot be read as {definition.code}")
        return {"total": value.total, **value.subscales}
    return value


def subscale_change(
    *, definition: Definition, early: SubscaleInput, end: SubscaleInput
) -> tuple[SubscaleChange, ...]:
    """The total and each subscale early and at the end, with the change (end − early).

    ``early`` and ``end`` are ScoreResults of this instrument, mappings such as
    ``{"total": 44, "bond": 15, "goal": 15, "task": 14}`` (a stored administration's
    total and ``subscales``), or None when that time point has no score. Returns
    ``total`` first, then the subscales in the definition's order. Descriptive only:
    no reliable-change threshold is defined for the WAI, so none is applied.

    Raises InvalidScore for a ScoreResult of another instrument.
    """
    first, last = _parts(definition, early), _parts(definition, end)
    names = ["total", *(s.name for s in definition.subscales)]
    return tuple(
        SubscaleChange(name=name, early=first.get(name), end=last.get(name)) for name in names
    )


# --------------------------------------------------------------------------- change


ScoreInput = ScoreResult | int | None


def _total_of(definition: Definition, value: ScoreInput, which: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, ScoreResult):
        if value.code != definition.code:
            raise InvalidScore(
                f"{which} score is a {value.code} result, expected {definition.code}"
            )
        return value.total
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScore(f"{which} score must be a ScoreResult, an int or None, got {value!r}")
    if not definition.total.min <= value <= definition.total.max:
        raise InvalidScore(
            f"{which} {definition.code} total {value} is outside "
            f"{definition.total.min}-{definition.total.max}"
        )
    return value


def _category(*, improvement: bool, deterioration: bool) -> ChangeCategory:
    if improvement:
        return ChangeCategory.RELIABLE_IMPROVEMENT
    if deterioration:
        return ChangeCategory.RELIABLE_DETERIORATION
    return ChangeCategory.NO_RELIABLE_CHANGE


def change(*, definition: Definition, first: ScoreInput, last: ScoreInput) -> ChangeResult:
    """First-vs-last change on one measure, by the definition's outcome rule.

    ``first``/``last`` are ScoreResults of this instrument, totals, or None (not measured).
    A missing or not-scorable score gives a not-classifiable result, never a guess.

    Reliable improvement: the total falls by at least ``reliable_change``; reliable
    deterioration: it rises by at least that. Recovery applies only when the first score
    was at caseness: recovered when the last is below caseness. Reliable recovery: recovery
    and reliable improvement. ``category`` is reliable_improvement, reliable_deterioration
    or no_reliable_change (recovery is reported beside it, not as a category).

    Raises OutcomeNotDefined for an instrument without outcome rules, InvalidScore for a
    total outside the instrument's range or a result from another instrument.
    """
    rule = definition.outcome
    if rule is None:
        raise OutcomeNotDefined(
            f"{definition.code} has no outcome rules (caseness, reliable change)"
        )
    first_total = _total_of(definition, first, "first")
    last_total = _total_of(definition, last, "last")
    if first_total is None or last_total is None:
        return ChangeResult(
            code=definition.code,
            first_total=first_total,
            last_total=last_total,
            classifiable=False,
            delta=None,
            caseness_first=None if first_total is None else first_total >= rule.caseness_from,
            caseness_last=None if last_total is None else last_total >= rule.caseness_from,
            reliable_improvement=None,
            reliable_deterioration=None,
            recovery=None,
            reliable_recovery=None,
            category=ChangeCategory.NOT_CLASSIFIABLE,
        )
    delta = last_total - first_total
    caseness_first = first_total >= rule.caseness_from
    caseness_last = last_total >= rule.caseness_from
    improvement = delta <= -rule.reliable_change
    deterioration = delta >= rule.reliable_change
    recovery = (not caseness_last) if caseness_first else None
    return ChangeResult(
        code=definition.code,
        first_total=first_total,
        last_total=last_total,
        classifiable=True,
        delta=delta,
        caseness_first=caseness_first,
        caseness_last=caseness_last,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        recovery=recovery,
        reliable_recovery=None if recovery is None else (recovery and improvement),
        category=_category(improvement=improvement, deterioration=deterioration),
    )


# --------------------------------------------------------------------------- outcome


def outcome(
    *,
    pairs: Mapping[str, tuple[ScoreInput, ScoreInput]],
    definitions: Mapping[str, Definition] | Callable[[str], Definition] | None = None,
) -> OutcomeResult:
    """Combined NHS Talking Therapies outcome of an episode over the measures in ``pairs``.

    ``pairs`` maps instrument code to (first, last) scores of the episode; pass only the
    measures that were used (one measure alone is judged by the same rules). Definitions
    are looked up in ``definitions`` (a mapping or a function of the code; default
    :func:`get_definition`).

    - caseness (start or end): at caseness on any measure;
    - reliable improvement: reliable improvement on at least one measure and reliable
      deterioration on none;
    - reliable deterioration: reliable deterioration on at least one measure and reliable
      improvement on none (project reading);
    - recovery: None unless at caseness at the start on some measure; then True when below
      caseness on every measure at the end;
    - reliable recovery: recovery and reliable improvement.

    Project policy: if any measure passed in is not classifiable (score missing or not
    scorable) the combined outcome is not classifiable, rather than silently judged on the
    other measure.

    Raises ScoringError for empty ``pairs``; UnknownInstrument, OutcomeNotDefined and
    InvalidScore as for :func:`change`.
    """
    if not pairs:
        raise ScoringError("outcome needs at least one measure", code="no_measures")
    if definitions is None:
        lookup: Callable[[str], Definition] = get_definition
    elif isinstance(definitions, Mapping):
        mapping = definitions

        def lookup(code: str) -> Definition:
            try:
                return mapping[code]
            except KeyError:
                raise UnknownInstrument(f"no definition given for {code!r}") from None
    else:
        lookup = definitions

    measures: dict[str, ChangeResult] = {}
    for code, pair in pairs.items():
        first, last = pair
        measures[code] = change(definition=lookup(code), first=first, last=last)

    results = list(measures.values())
    if not all(c.classifiable for c in results):
        return OutcomeResult(
            measures=measures,
            classifiable=False,
            caseness_first=None,
            caseness_last=None,
            reliable_improvement=None,
            reliable_deterioration=None,
            recovery=None,
            reliable_recovery=None,
            category=ChangeCategory.NOT_CLASSIFIABLE,
        )
    any_improvement = any(c.reliable_improvement for c in results)
    any_deterioration = any(c.reliable_deterioration for c in results)
    improvement = any_improvement and not any_deterioration
    deterioration = any_deterioration and not any_improvement
    caseness_first = any(c.caseness_first for c in results)
    caseness_last = any(c.caseness_last for c in results)
    recovery = (not caseness_last) if caseness_first else None
    return OutcomeResult(
        measures=measures,
        classifiable=True,
        caseness_first=caseness_first,
        caseness_last=caseness_last,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        recovery=recovery,
        reliable_recovery=None if recovery is None else (recovery and improvement),
        category=_category(improvement=improvement, deterioration=deterioration),
    )
