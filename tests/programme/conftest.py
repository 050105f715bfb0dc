import shutil
from pathlib import Path

import pytest
from django.conf import settings

from apps.programme import services
from apps.programme.content import content_load
from apps.programme.models import Module, Step


@pytest.fixture
def content(db):
    """The repository's real content, loaded as `make content` would."""
    content_load(directory=settings.CONTENT_DIR)
    return {m.slug: m for m in Module.objects.all()}


@pytest.fixture
def release(tmp_path) -> Path:
    """A copy of content/ to change as a newer release would (release "2026.1")."""
    target = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, target)
    return target


@pytest.fixture
def step(content):
    """Look up a step: step("cognitive-restructuring", "thought-record")."""

    def get(module_slug: str, step_slug: str) -> Step:
        return Step.objects.select_related("module").get(module__slug=module_slug, slug=step_slug)

    return get


@pytest.fixture
def cr_ready(treatment):
    """Content loaded and the first two required modules done: thinking module open."""
    content_load(directory=settings.CONTENT_DIR)
    for slug in ("psychoeducation", "behavioural-activation"):
        for step in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=treatment, step=step)
    return treatment
