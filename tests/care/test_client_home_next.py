"""The client home says each step once: the action link, then what comes after it."""

import pytest
from django.urls import reverse

from apps.programme import services
from tests.care.factories import mood


def _step_link(step) -> str:
    return reverse("programme:step", args=[step.module.slug, step.slug])


@pytest.mark.django_db
def test_when_the_action_link_is_the_next_step_home_shows_the_step_after_it(
    client, client_user, treatment, content
):
    mood(treatment, days_ago=0, value=6)  # check-in done, so the next step is the action
    first, second = list(content["psychoeducation"].steps.filter(is_active=True))[:2]
    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert home.count(f'href="{_step_link(first)}"') == 1  # only the action link
    assert "What to do next" in home
    assert "After that, in “Understanding depression”" in home
    assert f'href="{_step_link(second)}"' in home


@pytest.mark.django_db
def test_after_the_last_open_step_there_is_no_repeat_and_no_empty_section(
    client, client_user, treatment, content
):
    mood(treatment, days_ago=0, value=6)
    steps = list(content["psychoeducation"].steps.filter(is_active=True))
    for step in steps[:-1]:
        services.step_complete(treatment=treatment, step=step)
    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert home.count(f'href="{_step_link(steps[-1])}"') == 1
    # Only the action link: the next module opens when this one is finished.
    assert "What to do next" not in home


@pytest.mark.django_db
def test_when_the_check_in_is_the_action_what_to_do_next_shows_the_next_step(
    client, client_user, treatment, content
):
    first = content["psychoeducation"].steps.filter(is_active=True).first()
    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Today&#x27;s check-in" in home or "Today's check-in" in home
    assert "Next in “Understanding depression”" in home
    assert home.count(f'href="{_step_link(first)}"') == 1
