"""The caseload's early-warning list: reasons in words, "seen, plan made", query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import AppointmentStatus
from apps.earlywarning.models import WarningReview
from tests.care.factories import AppointmentFactory, MessageFactory, mood
from tests.factories import TreatmentFactory

# Pinned: the caseload with any number of clients (the read audit adds a constant few;
# "Due from you", the practitioner's alliance questionnaires, is one).
CASELOAD_QUERIES = 24


def _active(t):
    LoginEvent.objects.create(user=t.client, at=timezone.now())


def _falling_and_missed(t):
    for i, v in enumerate([4, 4, 5]):
        mood(t, days_ago=i, value=v)
    for i, v in enumerate([6, 6, 6, 6, 6, 7, 6]):
        mood(t, days_ago=7 + i, value=v)
    AppointmentFactory(
        treatment=t,
        number=3,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )


def _order(content, *treatments):
    return [content.index(f'data-participant="{t.participant_id}"') for t in treatments]


@pytest.mark.django_db
def test_reasons_in_words_then_seen_plan_made_drops_until_something_new(client, pwp, service):
    quiet_unread = TreatmentFactory(pwp=pwp, service=service, client__first_name="Aaron")
    _active(quiet_unread)
    MessageFactory(treatment=quiet_unread, created_at=timezone.now() - datetime.timedelta(days=3))
    drifting = TreatmentFactory(pwp=pwp, service=service, client__first_name="Zoe")
    _active(drifting)
    _falling_and_missed(drifting)
    client.force_login(pwp)
    url = reverse("workspace:caseload")

    content = client.get(url).content.decode()
    assert "Missed session 3 · Mood down from 6.1 to 4.3 over two weeks" in content
    assert _order(content, drifting, quiet_unread) == sorted(
        _order(content, drifting, quiet_unread)
    )

    response = client.post(
        reverse("workspace:warnings_seen", args=[drifting.pk]), {"note": "Phone on Monday"}
    )
    assert response.status_code == 302
    review = WarningReview.objects.get(treatment=drifting)
    assert review.reviewed_by == pwp
    assert set(review.seen) == {"missed_session:3", "mood_falling"}
    content = client.get(url).content.decode()
    assert _order(content, quiet_unread, drifting) == sorted(
        _order(content, quiet_unread, drifting)
    )
    assert "Seen, plan made by" in content and "Phone on Monday" in content

    # Something worse: the mood falls further; back to the top.
    drifting.mood_ratings.filter(rated_on=timezone.localdate()).update(value=1)
    content = client.get(url).content.decode()
    assert _order(content, drifting, quiet_unread) == sorted(
        _order(content, drifting, quiet_unread)
    )


@pytest.mark.django_db
def test_a_new_reason_brings_the_client_back(client, pwp, service):
    drifting = TreatmentFactory(pwp=pwp, service=service, client__first_name="Zoe")
    _active(drifting)
    _falling_and_missed(drifting)
    other = TreatmentFactory(pwp=pwp, service=service, client__first_name="Aaron")
    _active(other)
    MessageFactory(treatment=other, created_at=timezone.now() - datetime.timedelta(days=3))
    client.force_login(pwp)
    client.post(reverse("workspace:warnings_seen", args=[drifting.pk]), {"note": "Plan"})
    AppointmentFactory(
        treatment=drifting,
        number=4,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )
    content = client.get(reverse("workspace:caseload")).content.decode()
    assert _order(content, drifting, other) == sorted(_order(content, drifting, other))
    assert "Missed session 3 · Missed session 4" in content


@pytest.mark.django_db
def test_seen_needs_a_plan_and_something_to_see(client, pwp, treatment):
    _active(treatment)
    client.force_login(pwp)
    url = reverse("workspace:warnings_seen", args=[treatment.pk])
    response = client.post(url, {"note": "  "}, follow=True)
    assert "Write the plan you made." in response.content.decode()
    response = client.post(url, {"note": "Plan"}, follow=True)
    assert "Nothing needs attention for this client now." in response.content.decode()
    assert not WarningReview.objects.exists()


@pytest.mark.django_db
def test_another_pwp_cannot_mark_seen(client, other_pwp, treatment):
    _falling_and_missed(treatment)
    client.force_login(other_pwp)
    response = client.post(
        reverse("workspace:warnings_seen", args=[treatment.pk]), {"note": "Plan"}
    )
    assert response.status_code in (403, 404)
    assert not WarningReview.objects.exists()


@pytest.mark.django_db
def test_caseload_query_count_is_pinned(client, pwp, service, django_assert_max_num_queries):
    for _i in range(6):
        t = TreatmentFactory(pwp=pwp, service=service)
        _falling_and_missed(t)
        MessageFactory(treatment=t, created_at=timezone.now() - datetime.timedelta(days=3))
    client.force_login(pwp)
    url = reverse("workspace:caseload")
    client.get(url)
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("Missed session 3") == 6
