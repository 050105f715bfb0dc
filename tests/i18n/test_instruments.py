"""Questionnaire wording per language from files; scoring and codes never change."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.questionnaires.catalogue import SHIPPED_TRANSLATIONS, definition_for, translation_path
from apps.questionnaires.scoring import score
from tests.questionnaires.factories import PHQ9_LOW_ITEM9, AdministrationFactory

CODES = ("phq9", "gad7", "wai_sf_c")


def _signature(definition):
    return [
        (i.n, i.link_id, i.loinc, i.scored, [(o.value, o.loinc_answer) for o in i.options])
        for i in definition.items
    ]


@pytest.mark.parametrize("code", CODES)
def test_dutch_placeholder_changes_only_the_words(code):
    english = definition_for(code, language="en")
    dutch = definition_for(code, language="nl")
    assert dutch.language == "nl" and dutch.translation_placeholder
    assert _signature(dutch) == _signature(english)
    assert all(i.text.startswith("[Voorbeeldtekst") for i in dutch.items)
    assert dutch.bands == english.bands and dutch.risk_items == english.risk_items


def test_scores_and_the_item_9_flag_are_identical_in_both_languages():
    answers = dict(PHQ9_LOW_ITEM9)
    en = score(definition=definition_for("phq9", language="en"), answers=answers)
    nl = score(definition=definition_for("phq9", language="nl"), answers=answers)
    assert en == nl
    assert nl.risk  # the item 9 rule fired in both


def test_no_dutch_text_is_shipped_as_a_validated_translation():
    assert not [p for p in SHIPPED_TRANSLATIONS.glob("*.json") if "placeholder" not in p.name]


def _service_file(tmp_path, **changes):
    data = json.loads((SHIPPED_TRANSLATIONS / "phq9.nl.placeholder.json").read_text())
    data.update(
        placeholder=False,
        version="service-2026",
        source="The service's validated Dutch PHQ-9",
        licence="Free to reproduce and translate (Pfizer)",
        items={k: f"Dienstvraag {k}" for k in data["items"]},
    )
    data.update(changes)
    (tmp_path / "phq9.nl.json").write_text(json.dumps(data))
    return tmp_path


def test_the_services_validated_file_wins_over_the_placeholder(tmp_path):
    with override_settings(QUESTIONNAIRE_TRANSLATIONS_DIR=str(_service_file(tmp_path))):
        dutch = definition_for("phq9", language="nl")
    assert dutch.items[8].text == "Dienstvraag 9" and not dutch.translation_placeholder


def test_a_file_without_source_and_licence_is_not_used(tmp_path):
    folder = _service_file(tmp_path, source="", licence="")
    with override_settings(
        QUESTIONNAIRE_TRANSLATIONS_DIR=str(folder), QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS=False
    ):
        shown = definition_for("phq9", language="nl")
    assert shown.language == "en"
    assert shown.items[0].text == "Little interest or pleasure in doing things"


@override_settings(QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS=False)
def test_without_a_translation_the_english_wording_is_shown_and_said(tmp_path):
    assert translation_path("phq9", "nl") is None
    assert definition_for("phq9", language="nl").language == "en"


@pytest.mark.django_db
def test_dutch_client_sees_the_marked_placeholder_on_the_question_page(client, client_user):
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    administration = AdministrationFactory(treatment=client_user.treatments.first())
    client.force_login(client_user)
    html = client.get(reverse("questionnaires:item", args=[administration.pk, 9])).content.decode()
    assert "[Voorbeeldtekst — PHQ-9 vraag 9" in html
    assert "Voorbeeldtekst</strong>" in html  # the visible placeholder tag
