"""The alerts page is hot: its query count must not grow with the number of alerts."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.programme.content import content_load
from apps.programme.models import Step
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource
from tests.factories import PASSWORD, StaffFactory, TreatmentFactory
from tests.programme.factories import ExerciseEntryFactory
from tests.questionnaires.factories import AdministrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thought_record(db) -> Step:
    content_load(directory=settings.CONTENT_DIR)
    return Step.objects.get(module__slug="cognitive-restructuring", slug="thought-record")


def _add_alerts(n: int, *, service, pwps, step, acknowledger) -> None:
    """``n`` open alerts (questionnaire and exercise) and ``n`` acknowledged ones, on
    ``n`` treatments spread over the PWPs."""
    for i in range(n):
        treatment = TreatmentFactory(service=service, pwp=pwps[i % len(pwps)])
        if i % 2:
            RiskAlert.objects.create(
                treatment=treatment,
                source=RiskSource.PHQ9_ITEM9,
                administration=AdministrationFactory(treatment=treatment),
            )
        else:
            RiskAlert.objects.create(
                treatment=treatment,
                source=RiskSource.EXERCISE_SAFETY_WORDS,
                exercise_entry=ExerciseEntryFactory(treatment=treatment, step=step),
            )
        RiskAlert.objects.create(
            treatment=treatment,
            source=RiskSource.PHQ9_SEVERE_TOTAL,
            administration=AdministrationFactory(treatment=treatment, time_point="pre_session_2"),
            status=RiskAlertStatus.ACKNOWLEDGED,
            acknowledged_by=acknowledger,
            acknowledged_at=timezone.now(),
            acknowledgement_note="Called the client; safe and has a plan.",
        )


def _queries_for_alerts_page(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("safety:alerts"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["supervisor", "pwp"])
def test_alerts_page_query_count_does_not_grow_with_alerts(
    client, request, viewer, service, pwp, supervisor, thought_record, django_assert_num_queries
):
    pwps = [pwp, StaffFactory(pwp_in=service), StaffFactory(pwp_in=service)]
    client.login(email=request.getfixturevalue(viewer).email, password=PASSWORD)

    _add_alerts(2, service=service, pwps=pwps, step=thought_record, acknowledger=pwp)
    baseline = _queries_for_alerts_page(client)

    _add_alerts(18, service=service, pwps=pwps, step=thought_record, acknowledger=supervisor)
    assert RiskAlert.objects.filter(status=RiskAlertStatus.OPEN).count() == 20
    with django_assert_num_queries(baseline):
        response = client.get(reverse("safety:alerts"))
    # The supervisor sees the whole service; the PWP only their own third of it.
    expected = "20 open alerts" if viewer == "supervisor" else "7 open alerts"
    assert expected in response.content.decode()
