"""Client mood and goal pages: PRG and htmx, validation, feedback, access."""

import datetime

import pytest
from django.urls import reverse

from apps.tracking.clock import local_today
from apps.tracking.models import Goal, GoalRating, GoalStatus, MoodRating
from tests.tracking.factories import GoalFactory, GoalRatingFactory, rate_days

pytestmark = pytest.mark.django_db

MOOD = reverse("tracking:mood")


@pytest.fixture
def signed_in(client, client_user):
    client.force_login(client_user)
    return client


# --- Mood ----------------------------------------------------------------------


def test_two_taps_save_todays_mood_and_come_back_to_the_page(signed_in, client_user):
    response = signed_in.post(MOOD, {"value": "7"})
    assert response.status_code == 302 and response.url == MOOD
    page = signed_in.get(MOOD).content.decode()
    assert "Your mood rating is saved." in page
    assert "You rated your mood 7 out of 10 today." in page
    assert MoodRating.objects.get(client=client_user).value == 7


def test_a_double_submit_makes_one_record(signed_in, client_user):
    signed_in.post(MOOD, {"value": "6"})
    signed_in.post(MOOD, {"value": "6"})
    assert MoodRating.objects.filter(client=client_user).count() == 1


def test_rating_again_changes_todays_rating_and_the_form_shows_it(signed_in, client_user):
    signed_in.post(MOOD, {"value": "3", "note": "Bad night", "tags": ["sleep"]})
    signed_in.post(MOOD, {"value": "5", "note": "Better after a walk", "tags": ["exercise"]})
    rating = MoodRating.objects.get(client=client_user)
    assert (rating.value, rating.note, rating.tags) == (5, "Better after a walk", ["exercise"])
    page = signed_in.get(MOOD).content.decode()
    assert 'value="5" checked' in page
    assert "Better after a walk</textarea>" in page


def test_a_value_outside_1_to_10_shows_a_clear_message_and_keeps_the_note(signed_in):
    response = signed_in.post(MOOD, {"value": "11", "note": "Long day at work, kept going"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose a number from 1 to 10 for how you feel today" in page
    assert "<title>Error:" in page
    assert "Long day at work, kept going</textarea>" in page
    assert '<details class="govuk-details" open>' in page  # the note is not hidden away
    assert not MoodRating.objects.exists()


def test_no_choice_gets_the_same_message(signed_in):
    page = signed_in.post(MOOD, {}).content.decode()
    assert "Choose a number from 1 to 10 for how you feel today" in page


def test_htmx_save_swaps_the_panel_and_announces_saved(signed_in):
    response = signed_in.post(MOOD, {"value": "8", "note": ""}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="mood-panel">')
    assert '<div id="app-live" hx-swap-oob="innerHTML">Saved</div>' in page
    assert 'id="mood-chart-section" hx-swap-oob="true"' in page  # the chart updates too
    assert "You rated your mood 8 out of 10 today." in page


def test_htmx_errors_come_back_in_the_panel(signed_in):
    page = signed_in.post(MOOD, {"value": "0"}, HTTP_HX_REQUEST="true").content.decode()
    assert "There is a problem" in page and "app-live" not in page


def test_every_form_works_without_javascript(signed_in):
    page = signed_in.get(MOOD).content.decode()
    assert f'method="post" action="{MOOD}" hx-post=' in page
    assert "<details" in page and "Add a note" in page  # note and tags wait behind a tap
    assert "Very low" in page and "Very good" in page
    assert 'type="range"' not in page


def test_feedback_compares_today_with_the_last_week_in_words(signed_in, client_user):
    today = local_today(client_user)
    rate_days(client_user, {1: 4, 2: 4, 3: 5, 4: 5}, today=today)
    signed_in.post(MOOD, {"value": "7"})
    page = signed_in.get(MOOD).content.decode()
    assert "Today is higher than your average over the last week (4.5)." in page


def test_mood_page_explains_the_trend_and_who_sees_ratings(signed_in, client_user):
    today = local_today(client_user)
    rate_days(client_user, {0: 6, 1: 6, 2: 7, 7: 5, 8: 5, 9: 5}, today=today)
    page = signed_in.get(MOOD).content.decode()
    assert "a little higher this week than last week (6.3 vs 5.0)" in page
    assert "Your practitioner sees your ratings and notes before each session." in page
    assert "Researchers see only numbers, never your notes." in page


def test_chart_shows_4_weeks_by_default_and_switches(signed_in, client_user):
    today = local_today(client_user)
    rate_days(client_user, {0: 6, 40: 3}, today=today)
    page = signed_in.get(MOOD).content.decode()
    assert page.count('<th scope="row" class="govuk-table__header">') == 28
    assert "Your mood was 6 over the last 4 weeks." in page
    page = signed_in.get(MOOD, {"weeks": 8}).content.decode()
    assert page.count('<th scope="row" class="govuk-table__header">') == 56
    assert "Your mood went from 3 to 6 over the last 8 weeks." in page
    weekly = signed_in.get(MOOD, {"weeks": 12, "view": "weekly"}).content.decode()
    assert weekly.count('<th scope="row" class="govuk-table__header">') == 12
    assert "Average mood" in weekly
    # Anything else falls back to the default.
    page = signed_in.get(MOOD, {"weeks": "999"}).content.decode()
    assert page.count('<th scope="row" class="govuk-table__header">') == 28


def test_several_very_low_days_show_a_gentle_care_card(signed_in, client_user):
    today = local_today(client_user)
    rate_days(client_user, {0: 2, 1: 1, 3: 2}, today=today)
    page = signed_in.get(MOOD).content.decode()
    assert "Tell someone if things feel hard" in page
    assert reverse("safety:help") in page
    assert "Tell your practitioner" in page


def test_no_care_card_for_ordinary_low_days(signed_in, client_user):
    rate_days(client_user, {0: 3, 1: 3, 2: 2}, today=local_today(client_user))
    assert "Tell someone if things feel hard" not in signed_in.get(MOOD).content.decode()


# --- Home panel ------------------------------------------------------------------


def test_home_panel_post_without_js_goes_back_home(signed_in, client_user):
    response = signed_in.post(MOOD, {"value": "5", "panel": "home"})
    assert response.status_code == 302
    assert response.url == reverse("programme:home")
    assert MoodRating.objects.get(client=client_user).value == 5


def test_home_panel_htmx_swaps_in_the_rated_state(signed_in):
    page = signed_in.post(
        MOOD, {"value": "5", "panel": "home"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert page.lstrip().startswith('<div id="tracking-home-panel"')
    assert "You rated your mood 5 out of 10 today." in page
    assert "Change it" in page
    assert 'hx-swap-oob="innerHTML">Saved<' in page


def test_home_panel_htmx_error_keeps_the_form(signed_in):
    page = signed_in.post(
        MOOD, {"panel": "home", "note": "kept"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "There is a problem" in page
    assert "kept</textarea>" in page


# --- Goals -----------------------------------------------------------------------


def test_goal_create_list_rate_achieve(signed_in, client_user):
    response = signed_in.post(
        reverse("tracking:goal_create"),
        {"title": "Walk to the park on Saturday", "why_it_matters": "Fresh air"},
    )
    assert response.status_code == 302 and response.url == reverse("tracking:goals")
    goal = Goal.objects.get(client=client_user)
    assert goal.created_by == client_user

    page = signed_in.get(reverse("tracking:goals")).content.decode()
    assert "Walk to the park on Saturday" in page and "Not rated yet" in page

    detail = reverse("tracking:goal_detail", args=[goal.pk])
    response = signed_in.post(reverse("tracking:goal_rate", args=[goal.pk]), {"value": "4"})
    assert response.url == detail
    page = signed_in.get(detail).content.decode()
    assert "Saved: 4 out of 10" in page
    assert "Your rating was 4 out of 10." in page

    page = signed_in.get(reverse("tracking:goals")).content.decode()
    assert "4 out of 10" in page and "app-sparkline" in page

    signed_in.post(reverse("tracking:goal_status", args=[goal.pk]), {"status": "achieved"})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    page = signed_in.get(reverse("tracking:goals")).content.decode()
    assert "Achieved and put aside" in page and "Achieved</strong>" in page


def test_goal_edit_changes_the_words(signed_in, client_user):
    goal = GoalFactory(client=client_user, title="Walk")
    url = reverse("tracking:goal_edit", args=[goal.pk])
    assert 'value="Walk"' in signed_in.get(url).content.decode()
    signed_in.post(url, {"title": "Walk twice a week", "how_ill_know": "Diary"})
    goal.refresh_from_db()
    assert (goal.title, goal.how_ill_know) == ("Walk twice a week", "Diary")


def test_goal_rating_out_of_range_rerenders_with_the_note(signed_in, client_user):
    goal = GoalFactory(client=client_user)
    page = signed_in.post(
        reverse("tracking:goal_rate", args=[goal.pk]), {"value": "12", "note": "nearly there"}
    ).content.decode()
    assert "Choose a number from 0 to 10 for how close you are" in page
    assert "nearly there</textarea>" in page
    assert not GoalRating.objects.exists()


def test_a_vague_goal_gets_a_gentle_prompt_that_can_be_ignored(signed_in, client_user):
    url = reverse("tracking:goal_create")
    page = signed_in.post(url, {"title": "Feel happier"}).content.decode()
    assert "This goal sounds like a feeling" in page
    assert "There is a problem" not in page  # a prompt, not an error
    assert 'value="Feel happier"' in page
    assert 'name="vague_ok" value="True"' in page
    assert not Goal.objects.exists()
    # Saving again keeps it as it is.
    response = signed_in.post(url, {"title": "Feel happier", "vague_ok": "True"})
    assert response.status_code == 302
    assert Goal.objects.get(client=client_user).title == "Feel happier"


def test_a_clear_goal_is_saved_at_once(signed_in):
    signed_in.post(reverse("tracking:goal_create"), {"title": "Call Sam on Sunday"})
    assert Goal.objects.count() == 1


def test_goal_create_returns_to_a_safe_next(signed_in):
    url = reverse("tracking:goal_create")
    page = signed_in.get(url, {"next": "/programme/exercises/3/"}).content.decode()
    assert 'name="next" value="/programme/exercises/3/"' in page
    response = signed_in.post(url, {"title": "Walk", "next": "/programme/exercises/3/"})
    assert response.url == "/programme/exercises/3/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_goal_create_ignores_an_external_next(signed_in, next_url):
    url = reverse("tracking:goal_create")
    page = signed_in.get(url, {"next": next_url}).content.decode()
    assert 'name="next"' not in page
    assert 'href="https://evil' not in page and 'href="//evil' not in page
    response = signed_in.post(url, {"title": "Walk the dog", "next": next_url})
    assert response.url == reverse("tracking:goals")


def test_goal_form_include_renders_without_a_form(rf, client_user):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = client_user
    html = render_to_string("tracking/_goal_form.html", {"next": "/programme/"}, request=request)
    assert f'action="{reverse("tracking:goal_create")}"' in html
    assert 'name="next" value="/programme/"' in html
    assert 'name="title"' in html


# --- Access ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("tracking:goal_detail", "get"),
        ("tracking:goal_edit", "get"),
        ("tracking:goal_edit", "post"),
        ("tracking:goal_rate", "post"),
        ("tracking:goal_status", "post"),
    ],
)
def test_a_client_cannot_see_or_change_another_clients_goal(signed_in, other_client, name, method):
    goal = GoalFactory(client=other_client, title="Private plan")
    GoalRatingFactory(goal=goal, value=2)
    response = getattr(signed_in, method)(
        reverse(name, args=[goal.pk]), {"value": "9", "status": "achieved", "title": "Hacked"}
    )
    assert response.status_code == 404
    assert b"Private plan" not in response.content
    goal.refresh_from_db()
    assert goal.title == "Private plan" and goal.status == GoalStatus.ACTIVE
    assert goal.ratings.count() == 1


def test_other_clients_goals_and_moods_never_appear(signed_in, other_client):
    GoalFactory(client=other_client, title="Someone else's goal")
    rate_days(other_client, {0: 1, 1: 1, 2: 1}, today=datetime.date.today())
    assert "Someone else" not in signed_in.get(reverse("tracking:goals")).content.decode()
    page = signed_in.get(MOOD).content.decode()
    assert "Tell someone if things feel hard" not in page


@pytest.mark.parametrize("name", ["tracking:mood", "tracking:goals", "tracking:goal_create"])
@pytest.mark.parametrize("persona", ["pwp", "supervisor", "trial_manager", "admin_user"])
def test_client_pages_are_for_clients_only(client, request, name, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403
    # tracking:goals is GET only: a POST is refused before the role check (405).
    assert client.post(reverse(name), {"value": "5", "title": "x"}).status_code in (403, 405)
    assert not MoodRating.objects.exists() and not Goal.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(MOOD)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_home_panel_error_without_js_shows_the_full_mood_page(signed_in):
    page = signed_in.post(MOOD, {"panel": "home", "note": "kept"}).content.decode()
    assert "<html" in page and "There is a problem" in page
    assert "kept</textarea>" in page
