"""Definition loading, validation and licensed wording. Plain pytest; no database."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.questionnaires.definitions import (
    DEFAULT_DIRECTORY,
    DefinitionError,
    ScoringError,
    UnknownInstrument,
    WordingError,
    all_definitions,
    clear_cache,
    get_definition,
    load_definition,
    load_wording,
)

PFIZER = "No permission required to reproduce, translate, display or distribute."


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    yield
    clear_cache()


# --------------------------------------------------------------------------- bundled


def test_bundled_definitions_load() -> None:
    assert [d.code for d in all_definitions()] == ["gad7", "phq9", "wai_sf_c", "wai_sf_t"]
    # The placeholder wording file beside them is not a definition.
    assert (DEFAULT_DIRECTORY / "wai_sf_c.placeholder-wording.json").is_file()


def test_get_definition_is_cached_and_frozen() -> None:
    phq9 = get_definition("phq9")
    assert get_definition("phq9") is phq9
    with pytest.raises(dataclasses.FrozenInstanceError):
        phq9.code = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        phq9.bands[0].min = 3  # type: ignore[misc]


def test_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrument) as excinfo:
        get_definition("bdi")
    assert "phq9" in str(excinfo.value)
    assert isinstance(excinfo.value, ScoringError)


def test_phq9_matches_clinical_reference() -> None:
    d = get_definition("phq9")
    assert d.stem == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert PFIZER in d.attribution and "Pfizer" in d.attribution
    assert (d.loinc.panel, d.loinc.total, d.total.loinc) == ("44249-1", "44261-6", "44261-6")
    assert d.code_system == "http://loinc.org"
    assert [i.loinc for i in d.scored_items] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip
    assert [i.link_id for i in d.items] == [f"phq9-{n}" for n in range(1, 11)]
    assert [(o.value, o.label, o.loinc_answer) for o in d.options] == [
        (0, "Not at all", "LA6568-5"),
        (1, "Several days", "LA6569-3"),
        (2, "More than half the days", "LA6570-1"),
        (3, "Nearly every day", "LA6571-9"),
    ]
    item9 = d.item(9)
    assert item9.text.startswith("Thoughts that you would be better off dead")
    assert item9.required is True and item9.scored is True
    assert [(r.n, r.flag_above) for r in d.risk_items] == [(9, 0)]
    difficulty = d.item(10)
    assert difficulty.scored is False and difficulty.loinc == "69722-7"
    assert [o.loinc_answer for o in difficulty.options] == [
        "LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3",
    ]  # fmt: skip
    assert (d.total.min, d.total.max, d.missing_items.max_missing) == (0, 27, 2)
    assert d.severe_total_from == 20
    assert (d.outcome.caseness_from, d.outcome.reliable_change) == (10, 6)
    assert d.wording is None and not d.needs_wording


def test_gad7_matches_clinical_reference() -> None:
    d = get_definition("gad7")
    assert d.options[0].label == "Not at all"  # not "Not at all sure"
    assert d.item(2).loinc == "68509-9"
    assert (d.loinc.panel, d.loinc.total) == ("69737-5", "70274-6")
    assert PFIZER in d.attribution
    assert d.item(8).scored is False and d.item(8).loinc is None
    assert (d.total.min, d.total.max, d.missing_items.max_missing) == (0, 21, 1)
    assert (d.outcome.caseness_from, d.outcome.reliable_change) == (8, 4)
    assert d.risk_items == () and d.severe_total_from is None


def test_wai_ships_structure_without_wording() -> None:
    d = get_definition("wai_sf_c")
    assert len(d.items) == 12 and all(i.text is None for i in d.items)
    assert d.needs_wording and d.wording is not None
    assert d.loinc is None and all(i.loinc is None for i in d.items)
    assert d.code_system == "https://tandem.example/fhir/CodeSystem/wai-sf-c"
    assert [(o.value, o.label) for o in d.options] == [
        (1, "Seldom"), (2, "Sometimes"), (3, "Fairly often"), (4, "Very often"), (5, "Always"),
    ]  # fmt: skip
    assert {s.name: s.items for s in d.subscales} == {
        "task": (1, 2, 10, 12),
        "bond": (3, 5, 7, 9),
        "goal": (4, 6, 8, 11),
    }
    assert d.missing_items.max_missing == 0
    assert "policy" in d.missing_items.policy.lower()
    assert d.outcome is None and d.risk_items == ()


@pytest.mark.parametrize("code", ["phq9", "gad7", "wai_sf_c"])
def test_bands_have_client_meanings(code: str) -> None:
    for band in get_definition(code).bands:
        assert band.meaning.startswith("Your answers suggest")
        assert band.key == band.label.replace(" ", "_")


# --------------------------------------------------------------------------- validation


def _base() -> dict[str, Any]:
    return json.loads((DEFAULT_DIRECTORY / "gad7.json").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any, name: str = "gad7") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(_base())
    change(data)
    return data


def test_valid_copy_loads(tmp_path: Path) -> None:
    assert load_definition(_write(tmp_path, _base())).code == "gad7"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("bands"), "missing key(s): bands"),
        (lambda d: d.pop("risk_items"), "missing key(s): risk_items"),
        (lambda d: d["items"][0].pop("scored"), "items[0]: missing key(s): scored"),
        (lambda d: d.update(max_missing=1), "unknown key(s): max_missing"),
        (lambda d: d["bands"][1].update(min=4), "overlaps"),
        (lambda d: d["bands"][1].update(min=6), "gap between minimal (ends 4) and mild"),
        (lambda d: d["bands"][0].update(min=1), "first band starts at 1"),
        (lambda d: d["bands"][-1].update(max=20), "last band ends at 20"),
        (lambda d: d["bands"][1].update(key="minimal"), "keys must be unique"),
        (lambda d: d["bands"][0].update(min="0"), "bands[0].min: expected an integer"),
        (lambda d: d.update(subscales={"worry": [2, 3, 9]}), "item 9 does not exist"),
        (lambda d: d.update(subscales={"worry": [2, 8]}), "item 8 does not exist or is not scored"),
        (lambda d: d.update(risk_items=[{"n": 12, "flag_above": 0, "rule": "x"}]), "risk_items"),
        (lambda d: d["missing_items"].update(max_missing=7), "max_missing"),
        (lambda d: d["total"].update(range=[0, 20]), "does not match the scored items"),
        (lambda d: d["items"][1].update(n=1), "item numbers must be unique"),
        (lambda d: d["items"][0].update(text=None), "has no text"),
        (lambda d: d["options"].append({"value": 3, "label": "x", "loinc_answer": None}),
         "option values must be unique"),
        (lambda d: d.update(outcome={"caseness_from": 30, "reliable_change": 4}), "caseness_from"),
        (lambda d: d.update(severe_total_from=40), "severe_total_from"),
        (lambda d: d.update(code="GAD 7"), "lower case"),
    ],
)  # fmt: skip
def test_validation_errors(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(DefinitionError) as excinfo:
        load_definition(_write(tmp_path, _mutated(change)))
    assert message in str(excinfo.value)
    assert str(tmp_path) in str(excinfo.value)  # the file is named in the error


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["bands"][1]["min"] = 6
        d["subscales"] = {"worry": [99]}

    with pytest.raises(DefinitionError) as excinfo:
        load_definition(_write(tmp_path, _mutated(change)))
    assert len(excinfo.value.problems) == 2


def test_code_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="must match the file name"):
        load_definition(_write(tmp_path, _base(), name="anxiety"))


def test_invalid_json(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        load_definition(_write(tmp_path, "{not json"))


def test_missing_file() -> None:
    with pytest.raises(DefinitionError, match="cannot read"):
        load_definition(Path("/nonexistent/phq9.json"))


def test_bad_file_in_directory_fails_loudly(tmp_path: Path) -> None:
    _write(tmp_path, _mutated(lambda d: d["bands"][1].update(min=6)))
    with pytest.raises(DefinitionError):
        get_definition("gad7", directory=tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="does not exist"):
        all_definitions(directory=tmp_path / "nope")


def test_wording_placeholder_must_exist(tmp_path: Path) -> None:
    data = json.loads((DEFAULT_DIRECTORY / "wai_sf_c.json").read_text(encoding="utf-8"))
    with pytest.raises(DefinitionError, match="wording.placeholder"):
        load_definition(_write(tmp_path, data, name="wai_sf_c"))


def test_text_not_allowed_when_wording_is_external(tmp_path: Path) -> None:
    data = json.loads((DEFAULT_DIRECTORY / "wai_sf_c.json").read_text(encoding="utf-8"))
    data["wording"]["placeholder"] = None
    data["items"][0]["text"] = "Licensed text that must not be bundled"
    with pytest.raises(DefinitionError, match="wording comes from a service file"):
        load_definition(_write(tmp_path, data, name="wai_sf_c"))


# --------------------------------------------------------------------------- wording


def _wai():
    return get_definition("wai_sf_c")


def _wording_file(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "wording.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _wording_data() -> dict[str, Any]:
    return {
        "version": "2024-01 licensed",
        "language": "en",
        "items": {str(n): f"Licensed text {n}" for n in range(1, 13)},
    }


def test_placeholder_wording_loads_and_is_visibly_marked() -> None:
    wai = _wai()
    wording = load_wording(definition=wai, path=wai.wording.placeholder_path)
    assert wording is not None
    assert (wording.version, wording.language) == ("placeholder", "en")
    assert sorted(wording.items) == list(range(1, 13))
    for n, text in wording.items.items():
        assert text.startswith(f"[Placeholder wording — item {n}.")
        assert "supplied by the service" in text


def test_wording_merges_into_definition(tmp_path: Path) -> None:
    wai = _wai()
    wording = load_wording(definition=wai, path=_wording_file(tmp_path, _wording_data()))
    merged = wai.with_wording(wording)
    assert merged.item(3).text == "Licensed text 3"
    assert merged.wording_version == "2024-01 licensed"
    assert not merged.needs_wording
    assert wai.item(3).text is None  # the cached definition is untouched


@pytest.mark.parametrize("path", [None, "/nonexistent/wai-wording.json"])
def test_missing_wording_file_returns_none(path: str | None) -> None:
    assert load_wording(definition=_wai(), path=path) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{oops", "not valid JSON"),
        ([], "expected a JSON object"),
        ({"version": "1", "items": {}}, "missing key(s): language"),
        (_wording_data() | {"extra": 1}, "unknown key(s): extra"),
        (_wording_data() | {"version": ""}, "'version' must be a non-empty string"),
        (_wording_data() | {"items": ["a"]}, "must be an object"),
        (_wording_data() | {"items": {"one": "x"}}, "is not an item number"),
        (_wording_data() | {"items": {str(n): "x" for n in range(1, 12)}}, "missing [12]"),
        (_wording_data() | {"items": {str(n): "x" for n in range(1, 14)}}, "unexpected [13]"),
        (_wording_data() | {"items": {str(n): "" for n in range(1, 13)}}, "non-empty text"),
    ],
)
def test_malformed_wording_raises(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(WordingError) as excinfo:
        load_wording(definition=_wai(), path=_wording_file(tmp_path, data))
    assert message in str(excinfo.value)


def test_wording_for_instrument_with_own_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WordingError, match="ships its own wording"):
        load_wording(definition=get_definition("phq9"), path=_wording_file(tmp_path, {}))


def test_wording_for_other_instrument_cannot_be_applied() -> None:
    wai = _wai()
    wording = load_wording(definition=wai, path=wai.wording.placeholder_path)
    with pytest.raises(WordingError):
        get_definition("phq9").with_wording(wording)
