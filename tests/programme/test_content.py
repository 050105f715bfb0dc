import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from apps.programme.content import ContentError, content_load
from apps.programme.models import Module, Programme, Step, StepKind
from tests.programme.factories import StepProgressFactory


@pytest.fixture
def content_copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, target)
    return target


@pytest.mark.django_db
def test_all_six_modules_load_from_the_repository_content():
    call_command("load_content")

    assert Programme.objects.get().slug == "tandem-depression"
    modules = list(Module.objects.order_by("order"))
    assert [m.slug for m in modules] == [
        "psychoeducation",
        "behavioural-activation",
        "cognitive-restructuring",
        "relapse-prevention",
        "physical-exercise",
        "problem-solving",
    ]
    assert [m.mandatory for m in modules] == [True, True, True, True, False, False]
    thought_record = Step.objects.get(slug="thought-record")
    assert thought_record.kind == StepKind.EXERCISE
    assert thought_record.exercise_type == "thought_record"
    assert "Rhiannon" in thought_record.body
    quiz = Step.objects.get(module__slug="cognitive-restructuring", slug="spot-the-trap")
    assert len(quiz.questions) == 4
    assert Step.objects.get(slug="looking-back").prompts[0].startswith("How have your")


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    call_command("load_content")
    before = list(Step.objects.order_by("pk").values_list("pk", "title", "order"))
    call_command("load_content")
    assert list(Step.objects.order_by("pk").values_list("pk", "title", "order")) == before


@pytest.mark.django_db
def test_the_second_load_reports_only_what_changed(content_copy):
    first = content_load(directory=content_copy)
    assert first.created == Step.objects.count() + Module.objects.count() + 1
    assert (first.updated, first.unchanged) == (0, 0)
    again = content_load(directory=content_copy)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)

    (content_copy / "modules/physical-exercise/01-why-move.md").write_text("## New\n\nMove.")
    edited = content_load(directory=content_copy)
    assert (edited.created, edited.updated) == (0, 1)


@pytest.mark.django_db
def test_load_content_prints_the_counts(capsys):
    call_command("load_content")
    call_command("load_content")
    assert "0 created, 0 updated," in capsys.readouterr().out


@pytest.mark.django_db
def test_a_file_edit_updates_the_same_row(content_copy):
    content_load(directory=content_copy)
    step = Step.objects.get(slug="why-move")
    body = content_copy / "modules/physical-exercise/01-why-move.md"
    body.write_text("## New text\n\nMoving helps.")
    content_load(directory=content_copy)
    step.refresh_from_db()
    assert "Moving helps." in step.body


@pytest.mark.django_db
def test_step_removed_from_files_is_retired_when_a_client_used_it(content_copy, treatment):
    content_load(directory=content_copy)
    used = Step.objects.get(slug="why-move")
    StepProgressFactory(treatment=treatment, step=used)
    yaml_path = content_copy / "modules/physical-exercise/module.yaml"
    text = yaml_path.read_text()
    text = text.replace(
        "  - slug: why-move\n    kind: reading\n    title: Why moving more can help\n"
        "    minutes: 3\n    body: 01-why-move.md\n",
        "",
    ).replace(
        "  - slug: how-much\n    kind: reading\n    title: How much activity?\n"
        "    minutes: 3\n    body: 02-how-much.md\n",
        "",
    )
    yaml_path.write_text(text)

    content_load(directory=content_copy)

    used.refresh_from_db()
    assert used.is_active is False  # kept: a client's progress points at it
    assert not Step.objects.filter(slug="how-much").exists()  # nobody used it: deleted


@pytest.mark.django_db
def test_welsh_files_and_keys_are_loaded_and_english_is_the_fallback(content_copy):
    module_dir = content_copy / "modules/physical-exercise"
    (module_dir / "01-why-move.cy.md").write_text("## Pam symud\n\nMae symud yn helpu.")
    yaml_path = module_dir / "module.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace(
            "title: Moving more\n", "title: Moving more\ntitle_cy: Symud mwy\n", 1
        )
    )
    content_load(directory=content_copy)

    module = Module.objects.get(slug="physical-exercise")
    step = Step.objects.get(slug="why-move")
    with translation.override("cy"):
        assert module.title == "Symud mwy"
        assert "Mae symud yn helpu" in step.body
        assert Step.objects.get(slug="how-much").title == "How much activity?"
    with translation.override("en"):
        assert module.title == "Moving more"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("exercise: thought_record", "exercise: mind_map", "unknown exercise type 'mind_map'"),
        ("body: 06-thought-record.md", "body: 99-missing.md", "99-missing.md not found"),
        ("slug: catch-the-thought", "slug: thoughts-and-feelings", "duplicate step slug"),
        ("kind: quiz", "kind: video", "unknown kind 'video'"),
    ],
)
@pytest.mark.django_db
def test_bad_content_fails_with_a_message_naming_the_file(content_copy, old, new, message):
    yaml_path = content_copy / "modules/cognitive-restructuring/module.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(old, new, 1))

    with pytest.raises(ContentError) as error:
        content_load(directory=content_copy)

    assert str(yaml_path) in str(error.value)
    assert message in str(error.value)
    assert not Step.objects.exists()  # nothing half-loaded


@pytest.mark.django_db
def test_the_command_reports_bad_content_as_a_command_error(content_copy):
    (content_copy / "modules/problem-solving/module.yaml").write_text("slug: [unclosed")
    with pytest.raises(CommandError, match="problem-solving/module.yaml"):
        call_command("load_content", "--dir", str(content_copy))
