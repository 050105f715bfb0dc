"""Programme content per language: Dutch loaded from content/, English fallback
with a visible note, and the admins' translation-status page."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from apps.programme.content import ContentError, content_load
from apps.programme.models import Module, Step
from apps.programme.selectors import translation_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def content_copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, target)
    return target


def test_every_module_step_quiz_and_prompt_is_loaded_in_dutch():
    content_load(directory=settings.CONTENT_DIR)
    [dutch] = translation_status()
    assert dutch.code == "nl"
    assert dutch.missing_steps == [] and dutch.missing_modules == []
    assert dutch.step_count == Step.objects.count() > 30
    with translation.override("nl"):
        assert Module.objects.get(slug="psychoeducation").title == "Depressie begrijpen"
        quiz = Step.objects.get(module__slug="psychoeducation", slug="check-your-understanding")
        assert quiz.questions[0]["text"] == "Wat is waar over depressie?"
        reflection = Step.objects.get(slug="looking-back")
        assert reflection.prompts[1] == "Waar ben je het meest trots op?"
    with translation.override("en"):
        assert Module.objects.get(slug="psychoeducation").title == "Understanding depression"


def test_removing_a_translation_clears_it_on_the_next_load(content_copy):
    content_load(directory=content_copy)
    (content_copy / "modules/psychoeducation/02-what-depression-is.nl.md").unlink()
    content_load(directory=content_copy)
    step = Step.objects.get(slug="what-depression-is")
    assert step.body_nl is None
    assert not step.is_translated("nl")
    with translation.override("nl"):
        assert "More than feeling low" in step.body  # English fallback


def test_a_quiz_translation_missing_a_question_is_refused_before_anything_is_written(
    content_copy,
):
    path = content_copy / "modules/psychoeducation/module.nl.yaml"
    text = path.read_text()
    cut = text.index("      - text: Met welk doel")
    path.write_text(text[:cut])
    with pytest.raises(ContentError, match="2 questions, but English has 3"):
        content_load(directory=content_copy)
    assert not Step.objects.exists()


def test_a_translation_of_an_unknown_step_is_reported_and_the_step_stays_english(content_copy):
    path = content_copy / "modules/psychoeducation/module.nl.yaml"
    path.write_text(path.read_text().replace("  my-goals:\n", "  my-dreams:\n"))
    report = content_load(directory=content_copy)
    assert report.stale_translations == ["psychoeducation/my-dreams (nl)"]
    assert not Step.objects.get(slug="my-goals").is_translated("nl")


@pytest.fixture
def half_dutch(content_copy, client_user):
    """Real content with one step left untranslated; the client reads Dutch."""
    (content_copy / "modules/psychoeducation/01-how-the-programme-works.nl.md").unlink()
    content_load(directory=content_copy)
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    return Step.objects.select_related("module")


def test_untranslated_step_falls_back_to_english_with_a_note(client, client_user, half_dutch):
    client.force_login(client_user)
    untranslated = half_dutch.get(slug="how-the-programme-works")
    html = client.get(
        reverse("programme:step", args=[untranslated.module.slug, untranslated.slug])
    ).content.decode()
    assert '<html lang="nl"' in html
    assert "Deze stap is nog niet vertaald" in html
    assert 'lang="en"' in html and "Welcome to Tandem" in html
    translated = half_dutch.get(slug="what-depression-is")
    html = client.get(
        reverse("programme:step", args=[translated.module.slug, translated.slug])
    ).content.decode()
    assert "Deze stap is nog niet vertaald" not in html
    assert "Meer dan je somber voelen" in html


def test_translation_status_page_lists_the_missing_step_for_admins(
    client, admin_user, half_dutch, django_assert_max_num_queries
):
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("programme:translation_status")).content.decode()
    assert "How the programme works" in html
    assert "What depression is" not in html
    assert "of 40 steps translated" in html or "van de 40 stappen" in html


@pytest.mark.parametrize("persona", ["client_user", "pwp", "supervisor", "trial_manager"])
def test_translation_status_page_is_for_admins_only(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("programme:translation_status")).status_code == 403
