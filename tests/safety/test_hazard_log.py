"""The hazard log names tests that exist, so it cannot rot (docs/safety/hazard-log.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)(?:\[[^\]`]*\])?`")
HAZARD = re.compile(r"^### (HAZ-\d+) ", re.MULTILINE)
REQUIRED = {f"HAZ-{n:02d}" for n in range(1, 10)}


def _defined_tests(path: Path) -> set[str]:
    return set(re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.MULTILINE))


def missing_tests(text: str) -> list[str]:
    """Node ids named in the log whose file or test function does not exist."""
    missing = []
    for path, name in NODE.findall(text):
        file = ROOT / path
        if not file.is_file() or name not in _defined_tests(file):
            missing.append(f"{path}::{name}")
    return missing


def test_every_test_the_hazard_log_names_exists():
    assert missing_tests(LOG.read_text()) == []


def test_every_hazard_names_at_least_one_test_and_the_required_hazards_are_there():
    text = LOG.read_text()
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    assert REQUIRED <= set(HAZARD.findall(text))
    for section in sections:
        assert NODE.search(section) or section.startswith("Open"), section.splitlines()[0]
        for field in ("Cause", "Effect on a client", "Before", "Mitigations", "After"):
            assert f"| {field} |" in section, (section.splitlines()[0], field)


def test_the_check_catches_a_renamed_test():
    text = "`tests/safety/test_hazard_log.py::test_that_was_renamed_long_ago`"
    assert missing_tests(text) == [
        "tests/safety/test_hazard_log.py::test_that_was_renamed_long_ago"
    ]
    assert missing_tests("`tests/no_such_file.py::test_x`") == ["tests/no_such_file.py::test_x"]


def test_open_sign_off_items_have_an_owner_role():
    text = LOG.read_text().split("## Open items", 1)[1]
    rows = [r for r in text.splitlines() if r.startswith("| OI-")]
    assert len(rows) >= 5
    for row in rows:
        owner = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert owner in {"CSO", "Clinical lead", "Service manager"}, row
