"""Staff preview any step as the client sees it, and nothing is saved."""

import pytest
from django.conf import settings
from django.urls import reverse

from apps.programme.content import content_load
from apps.programme.models import ExerciseEntry, Step, StepProgress


@pytest.fixture
def content(db):
    content_load(directory=settings.CONTENT_DIR)


def _url(step: Step, **params) -> str:
    url = reverse("programme:preview_step", args=[step.module.slug, step.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


@pytest.mark.django_db
def test_pwp_previews_every_kind_of_step_and_nothing_is_saved(client, content, pwp, admin_user):
    client.force_login(pwp)
    index = client.get(reverse("programme:preview_index")).content.decode()
    reading = Step.objects.filter(kind="reading").first()
    exercise = Step.objects.get(exercise_type="thought_record")
    quiz = Step.objects.filter(kind="quiz").first()
    assert reading.title in index and quiz.title in index

    page = client.get(_url(reading)).content.decode()
    assert "This is how a client sees this step" in page
    assert reading.title in page and "Release 2026.1" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main

    page = client.get(_url(exercise)).content.decode()
    assert '<fieldset class="govuk-fieldset" disabled>' in page

    right = next(i for i, o in enumerate(quiz.questions[0]["options"]) if o.get("correct"))
    page = client.get(_url(quiz, q=0, answer=right)).content.decode()
    assert "That&#x27;s right" in page or "That's right" in page

    for step in Step.objects.filter(is_active=True).select_related("module"):
        assert client.get(_url(step)).status_code == 200, step
    assert not StepProgress.objects.exists() and not ExerciseEntry.objects.exists()


@pytest.mark.django_db
def test_clients_and_trial_managers_cannot_preview(client, content, client_user, trial_manager):
    step = Step.objects.select_related("module").first()
    for user in (client_user, trial_manager):
        client.force_login(user)
        assert client.get(_url(step)).status_code == 403
        assert client.get(reverse("programme:preview_index")).status_code == 403
    client.logout()
    assert client.get(_url(step)).status_code == 302


@pytest.mark.django_db
def test_a_content_author_without_a_staff_role_may_preview(client, content, django_user_model):
    author = django_user_model.objects.create_user(email="author@example.org", is_staff=True)
    client.force_login(author)
    step = Step.objects.select_related("module").first()
    assert client.get(_url(step)).status_code == 200
