"""Content as versioned releases: an edit in the admin survives load_content."""

import io
import json
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from apps.programme.content import content_load
from apps.programme.models import ExerciseEntry, RevisionSource, Step, StepRevision
from apps.programme.revisions import step_edited, step_revert
from apps.programme.services import exercise_submit

STEP = ("psychoeducation", "what-depression-is")


def _bump(directory: Path, version: str) -> None:
    path = directory / "programme.yaml"
    text = path.read_text()
    path.write_text(text.replace('release: "2026.1"', f'release: "{version}"'))


def _step() -> Step:
    return Step.objects.get(module__slug=STEP[0], slug=STEP[1])


def _body_file(directory: Path) -> Path:
    step = _step()

    module = yaml.safe_load((directory / "modules" / STEP[0] / "module.yaml").read_text())
    body = next(s["body"] for s in module["steps"] if s["slug"] == step.slug)
    return directory / "modules" / STEP[0] / body


def _admin_edit(client, step: Step, new_body: str) -> None:
    """Save the step's change form in the admin, as an author would."""
    data = {
        "module": step.module_id,
        "order": step.order,
        "slug": step.slug,
        "kind": step.kind,
        "minutes": step.minutes,
        "exercise_type": step.exercise_type,
        "is_active": "on",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
    }
    for lang in settings.MODELTRANSLATION_LANGUAGES:
        data[f"title_{lang}"] = getattr(step, f"title_{lang}") or ""
        data[f"body_{lang}"] = getattr(step, f"body_{lang}") or ""
        data[f"prompts_{lang}"] = json.dumps(getattr(step, f"prompts_{lang}") or [])
        data[f"questions_{lang}"] = json.dumps(getattr(step, f"questions_{lang}") or [])
    data["body_en"] = new_body
    response = client.post(reverse("admin:programme_step_change", args=[step.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.mark.django_db
def test_admin_edit_survives_load_content_and_the_conflict_is_reported(client, admin_user, release):
    call_command("load_content", "--dir", str(release), stdout=io.StringIO())
    step = _step()
    assert step.release == "2026.1" and step.revision == 1 and not step.locally_edited

    client.force_login(admin_user)
    _admin_edit(client, step, "Our service's own words about depression.")
    step.refresh_from_db()
    assert step.locally_edited and step.revision == 2
    page = client.get(reverse("admin:programme_step_change", args=[step.pk])).content.decode()
    assert "Local revision 2" in page

    # A newer release changes the same step.
    _bump(release, "2026.2")
    body = _body_file(release)
    body.write_text(body.read_text() + "\n\nA new paragraph in the release.\n")
    out = io.StringIO()
    call_command("load_content", "--dir", str(release), stdout=out)

    step.refresh_from_db()
    assert step.body_en == "Our service's own words about depression."
    assert step.locally_edited
    report = out.getvalue()
    assert "1 conflict(s)" in report
    assert f"conflict, edit kept: {STEP[0]}/{STEP[1]}" in report
    # Other steps took the new release.
    assert Step.objects.exclude(pk=step.pk).filter(release="2026.2").count() > 10

    # Told to overwrite, the release wins and the edit is kept as a revision.
    out = io.StringIO()
    call_command("load_content", "--dir", str(release), "--overwrite", stdout=out)
    step.refresh_from_db()
    assert "A new paragraph in the release." in step.body_en
    assert not step.locally_edited and step.release == "2026.2"
    assert "edit replaced by this release" in out.getvalue()
    assert step.revisions.filter(source=RevisionSource.LOCAL).exists()


@pytest.mark.django_db
def test_an_unchanged_step_keeps_its_edit_without_a_conflict(admin_user, release):
    content_load(directory=release)
    step = _step()
    step.body_en = "Edited here."
    step.save()

    step_edited(step=step, actor=admin_user)
    _bump(release, "2026.2")
    report = content_load(directory=release)
    assert report.conflicts == []
    assert report.kept_local == [f"{STEP[0]}/{STEP[1]}"]
    step.refresh_from_db()
    assert step.body_en == "Edited here."


@pytest.mark.django_db
def test_admin_reverts_a_step_to_the_release_text(client, admin_user, release):
    content_load(directory=release)
    step = _step()
    original = step.body_en
    client.force_login(admin_user)
    _admin_edit(client, step, "A mistake.")
    first = StepRevision.objects.get(step=step, number=1)
    response = client.post(
        reverse("admin:programme_steprevision_changelist"),
        {"action": "revert", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.body_en == original
    assert not step.locally_edited and step.revision == 3
    assert step_revert  # the service the action calls


@pytest.mark.django_db
def test_a_sent_entry_keeps_the_revision_the_client_answered(treatment, release):

    content_load(directory=release)
    step = Step.objects.get(exercise_type="reflection", slug="looking-back")
    entry, _created = exercise_submit(
        treatment=treatment,
        step=step,
        client_request_id=uuid.uuid4(),
        data={"answers": ["a"]},
    )
    assert entry.step_revision == step.revision == 1
    step.body_en = "Changed."
    step.save()

    step_edited(step=step, actor=None)
    assert ExerciseEntry.objects.get(pk=entry.pk).step_revision == 1
    answered = StepRevision.objects.get(step=step, number=1)
    assert answered.content["body_en"] != "Changed."
