"""Django-side access to the questionnaire definitions and licensed wording.

`definitions.py` and `scoring.py` stay plain Python; this module passes them
the paths from settings and answers "can this questionnaire be shown now?".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from apps.questionnaires.definitions import (
    DEFAULT_DIRECTORY,
    Definition,
    Wording,
    WordingError,
    get_definition,
    load_definitions,
    load_translation,
    load_wording,
    translate_definition,
)

logger = logging.getLogger(__name__)
# Validated translations shipped with the code (each names its source and
# licence) and the placeholders for the demo and tests.
SHIPPED_TRANSLATIONS = DEFAULT_DIRECTORY / "translations"

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
    def setting(self) -> str:
        """The setting that names this instrument's wording file."""
        return WORDING_FILE_SETTINGS.get(self.code, "WAI_WORDING_FILE")

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


def translation_path(code: str, language: str) -> Path | None:
    """The wording file for ``code`` in ``language``, or None (English is shown).

    In order: the service's directory (QUESTIONNAIRE_TRANSLATIONS_DIR), the
    validated translations shipped in instruments/translations/, then, only
    when QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS is on (demo, tests), the marked
    placeholder.
    """
    name = f"{code}.{language}.json"
    service_dir = getattr(settings, "QUESTIONNAIRE_TRANSLATIONS_DIR", "")
    candidates = [Path(service_dir) / name] if service_dir else []
    candidates.append(SHIPPED_TRANSLATIONS / name)
    if getattr(settings, "QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS", False):
        candidates.append(SHIPPED_TRANSLATIONS / f"{code}.{language}.placeholder.json")
    return next((path for path in candidates if path.is_file()), None)


def definition_for(code: str, *, language: str | None = None) -> Definition:
    """The definition with wording merged, ready to show and score, in ``language``
    (default: the active language) when a translation file exists, else in English.

    Raises UnknownInstrument for an unknown code and WordingUnavailable when the
    licensed wording is missing or broken. A broken translation file is logged
    and the English wording is shown: a validated instrument is never shown in
    an unchecked translation.
    """
    definition = get_definition(code, directory=definitions_directory())
    if definition.wording is not None:
        status = wording_status(code)
        if not status.ready:
            raise WordingUnavailable(status.error or f"{code}: licensed wording file is missing")
        definition = definition.with_wording(status.wording)
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == "en":
        return definition
    path = translation_path(code, language)
    if path is None:
        return definition
    try:
        return translate_definition(definition, load_translation(definition=definition, path=path))
    except WordingError:
        logger.exception("questionnaire_translation_invalid", extra={"code": code})
        return definition


def scoring_definition(code: str) -> Definition:
    """The definition for scoring only (no wording needed)."""
    return get_definition(code, directory=definitions_directory())


def practitioner_instruments() -> tuple[str, ...]:
    """Codes of the questionnaires the client's practitioner answers (WAI-SF-T).

    Clients never see these: their pages, links, invitations and reminders leave
    them out. From the definitions (``"respondent": "practitioner"``).
    """
    return tuple(
        d.code for d in load_definitions(definitions_directory()).values() if d.for_practitioner
    )


def practitioner_pairs() -> dict[str, tuple[str, ...]]:
    """{client's instrument: practitioner's instruments given with it}, e.g.
    ``{"wai_sf_c": ("wai_sf_t",)}`` (the definitions' ``pairs_with``)."""
    pairs: dict[str, list[str]] = {}
    for d in load_definitions(definitions_directory()).values():
        if d.for_practitioner and d.pairs_with:
            pairs.setdefault(d.pairs_with, []).append(d.code)
    return {code: tuple(theirs) for code, theirs in pairs.items()}
