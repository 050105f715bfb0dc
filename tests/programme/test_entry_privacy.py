"""A draft is the client's own until they send it."""

import uuid

import pytest
from django.urls import reverse

from apps.programme.models import EntryStatus, ExerciseEntry, Step


@pytest.fixture
def content(db):
    from django.core.management import call_command

    call_command("load_content", verbosity=0)


@pytest.fixture
def draft(treatment, content):
    step = Step.objects.get(module__slug="cognitive-restructuring", exercise_type="thought_record")
    return ExerciseEntry.objects.create(
        treatment=treatment,
        step=step,
        exercise_type=step.exercise_type,
        data={"situation": "Something I am still writing"},
        status=EntryStatus.DRAFT,
        client_request_id=uuid.uuid4(),
    )


@pytest.mark.django_db
def test_practitioner_cannot_open_a_draft_the_client_has_not_sent(client, pwp, draft):
    client.force_login(pwp)
    response = client.get(reverse("programme:entry", args=[draft.pk]))
    assert response.status_code == 404
    assert "still writing" not in response.content.decode()


@pytest.mark.django_db
def test_client_can_open_their_own_draft(client, client_user, draft):
    client.force_login(client_user)
    assert client.get(reverse("programme:entry", args=[draft.pk])).status_code in (200, 302)
