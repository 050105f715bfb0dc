"""Django-side access to the questionnaire definitions and licensed wording.

`definitions.py` and `scoring.py` stay plain Python; this module passes them
the paths from settings and answers "can this questionnaire be shown now?".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from apps.questionnaires.definitions import (
    Definition,
    Wording,
    WordingError,
    get_definition,
    load_definitions,
    load_wording,
)

PLACEHOLDER_VERSION = "placeholder"


def definitions_directory() -> Path | None:
    value = getattr(settings, "QUESTIONNAIRE_DEFINITIONS_DIR", "")
    return Path(value) if value else None


# The setting naming each licensed-wording file; instruments not listed use
# WAI_WORDING_FILE (the client's WAI-SF-C).
WORDING_FILE_SETTINGS = {"wai_sf_t": "WAI_T_WORDING_FILE"}


def wording_path(code: str = "") -> Path | None:
    value = getattr(settings, WORDING_FILE_SETTINGS.get(code, "WAI_WORDING_FILE"), "")
    return Path(value) if value else None


@dataclass(frozen=True)
class WordingStatus:
    """Whether a definition can be shown: ``ready`` False means no item texts.

    ``error`` holds the WordingError text when the wording file is malformed.
    """

    code: str
    ready: bool
    wording: Wording | None = None
    error: str = ""

    @property
    def is_placeholder(self) -> bool:
        return self.wording is not None and self.wording.version == PLACEHOLDER_VERSION


def wording_status(code: str) -> WordingStatus:
    """Wording state for ``code``. Instruments that ship their own wording are always ready."""
    definition = get_definition(code, directory=definitions_directory())
    if definition.wording is None:
        return WordingStatus(code=code, ready=True)
    try:
        wording = load_wording(definition=definition, path=wording_path(code))
    except WordingError as exc:
        return WordingStatus(code=code, ready=False, error=str(exc))
    return WordingStatus(code=code, ready=wording is not None, wording=wording)


def missing_wordings() -> list[WordingStatus]:
    """Every instrument whose licensed wording is missing or broken (for admin warnings)."""
    out = []
    for definition in load_definitions(definitions_directory()).values():
        if definition.wording is not None:
            status = wording_status(definition.code)
            if not status.ready:
                out.append(status)
    return out


class WordingUnavailable(Exception):
    """The instrument's licensed wording is missing: it cannot be shown to clients."""


def definition_for(code: str) -> Definition:
    """The definition with wording merged, ready to show and score.

    Raises UnknownInstrument for an unknown code and WordingUnavailable when the
    licensed wording is missing or broken.
    """
    definition = get_definition(code, directory=definitions_directory())
    if definition.wording is None:
        return definition
    status = wording_status(code)
    if not status.ready:
        raise WordingUnavailable(status.error or f"{code}: licensed wording file is missing")
    return definition.with_wording(status.wording)


def scoring_definition(code: str) -> Definition:
    """The definition for scoring only (no wording needed)."""
    return get_definition(code, directory=definitions_directory())
