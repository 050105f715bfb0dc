"""The review opens with "At a glance": what changed since the last session."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import AppointmentStatus
from tests.care.factories import (
    PHQ9_ITEM9,
    PHQ9_MODERATE,
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    mood,
    phq9_completed,
    thought_record,
)


def _glance(content: str) -> str:
    return content.split('id="glance"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
def test_glance_sums_up_the_week_at_the_top_with_a_constant_query_count(
    client, pwp, treatment, thought_step, django_assert_max_num_queries
):
    AppointmentFactory(
        treatment=treatment,
        number=1,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(days=7),
    )
    thought_record(treatment, thought_step)
    mood(treatment, days_ago=2, value=3)
    phq9_completed(treatment, PHQ9_ITEM9)
    phq9_completed(treatment, PHQ9_MODERATE, time_point="pre_session_2")
    BespokeTaskFactory(treatment=treatment, title="Walk to the park")
    MessageFactory(treatment=treatment, body="Hard week at work")
    client.force_login(pwp)
    url = reverse("workspace:review", args=[treatment.pk])
    with django_assert_max_num_queries(60) as captured:
        content = client.get(url).content.decode()
    first = len(captured.captured_queries)
    glance = _glance(content)
    assert "since the last session" in glance
    assert "1 open alert" in glance
    assert "since baseline: worse (score went up)" in glance
    assert "1 exercise sent" in glance
    assert "0 done, 1 not yet done" in glance
    assert "Rated on" in glance
    # The box comes before the long sections.
    assert content.index('id="glance"') < content.index('id="exercises"')

    for n in range(4):
        BespokeTaskFactory(treatment=treatment, title=f"Task {n}")
        MessageFactory(treatment=treatment, body=f"Message {n}")
        thought_record(treatment, thought_step)
    with django_assert_max_num_queries(first):
        content = client.get(url).content.decode()
    assert "5 exercises sent" in _glance(content)
