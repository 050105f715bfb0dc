import pytest
from django.conf import settings

from apps.programme.content import content_load
from apps.programme.models import Module, Step


@pytest.fixture
def content(db):
    """The repository's real programme content (modules and steps)."""
    content_load(directory=settings.CONTENT_DIR)
    return {m.slug: m for m in Module.objects.all()}


@pytest.fixture
def thought_step(content):
    return Step.objects.select_related("module").get(exercise_type="thought_record")
