"""The lock files install exactly the versions pyproject.toml pins."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {
        m.group(1).lower().replace("_", "-").replace(".", "-"): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", text, re.M)
    }


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, version = re.split(r"==", requirement)
        name = re.sub(r"\[.*\]", "", name).lower().replace("_", "-").replace(".", "-")
        pins[name] = version
    return pins


def test_every_pin_is_in_the_locks_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    main = _pins(project["dependencies"])
    dev = _pins(project["optional-dependencies"]["dev"])
    full, production = _locked("requirements.lock"), _locked("requirements-production.lock")
    assert {n: full.get(n) for n in {**main, **dev}} == {**main, **dev}
    assert {n: production.get(n) for n in main} == main


def test_every_locked_package_is_hashed():
    for name in ("requirements.lock", "requirements-production.lock"):
        text = (ROOT / name).read_text()
        packages = re.findall(r"^[A-Za-z0-9_.\-]+==\S+ \\$", text, re.M)
        assert packages
        assert text.count("==") == len(packages)
        assert all("--hash=sha256:" in block for block in text.split("==")[1:]), name
