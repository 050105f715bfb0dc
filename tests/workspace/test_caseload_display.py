"""Caseload rows are short to scan and complete in words for screen readers."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.programme import services
from tests.care.factories import PHQ9_ITEM9, PHQ9_MODERATE, AppointmentFactory, phq9_completed
from tests.factories import TreatmentFactory


def _row(content: str, treatment) -> str:
    start = content.index(f'data-participant="{treatment.participant_id}"')
    return content[start : content.index("</tr>", start)]


@pytest.mark.django_db
def test_modules_read_as_done_of_total_with_started_as_hint(client, pwp, treatment, content):
    for step in content["psychoeducation"].steps.filter(is_active=True):
        services.step_complete(treatment=treatment, step=step)
    started = content["behavioural-activation"].steps.filter(is_active=True).first()
    services.step_open(treatment=treatment, step=started)
    services.module_unlock(actor=pwp, treatment=treatment, module=content["problem-solving"])
    client.force_login(pwp)
    row = _row(client.get(reverse("workspace:caseload")).content.decode(), treatment)
    # Four required modules plus the optional one opened for this client.
    assert "1\u00a0of\u00a05\u00a0done" in row  # no-break spaces: one line at 1280 px
    assert '<span class="app-table__secondary">1 started</span>' in row


@pytest.mark.django_db
def test_next_session_is_short_with_the_full_text_hidden(client, pwp, treatment):
    tz = zoneinfo.ZoneInfo("Europe/London")
    starts = (timezone.now() + datetime.timedelta(days=5)).astimezone(tz)
    starts = starts.replace(hour=10, minute=0, second=0, microsecond=0)
    AppointmentFactory(treatment=treatment, number=4, starts_at=starts)
    client.force_login(pwp)
    row = _row(client.get(reverse("workspace:caseload")).content.decode(), treatment)
    # No-break spaces keep "S4 · Mon 30 Nov" together; it may wrap before the time.
    short = f"S4\u00a0·\u00a0{starts:%a}\u00a0{starts.day}\u00a0{starts:%b} 10:00"
    assert f'<span aria-hidden="true">{short}</span>' in row
    full = f"Session 4 of 6, {starts:%A} {starts.day} {starts:%B} at 10:00"
    assert f'<span class="govuk-visually-hidden">{full}</span>' in row


@pytest.mark.django_db
def test_risk_tag_is_short_with_the_full_reason_kept(client, pwp, service):
    treatment = TreatmentFactory(pwp=pwp, service=service)
    phq9_completed(treatment, PHQ9_ITEM9)
    client.force_login(pwp)
    row = _row(client.get(reverse("workspace:caseload")).content.decode(), treatment)
    assert 'class="govuk-tag app-risk-tag" title="PHQ-9 item 9 answered above 0"' in row
    assert (
        'Risk: item 9<span class="govuk-visually-hidden">: PHQ-9 item 9 answered above 0</span>'
        in row
    )


@pytest.mark.django_db
def test_phq9_shows_score_band_and_change_short_and_in_words(client, pwp, service):
    treatment = TreatmentFactory(pwp=pwp, service=service)
    phq9_completed(treatment, PHQ9_MODERATE)  # 13, the baseline
    phq9_completed(treatment, PHQ9_ITEM9, time_point="pre_session_2")  # 12
    client.force_login(pwp)
    row = _row(client.get(reverse("workspace:caseload")).content.decode(), treatment)
    assert '<span aria-hidden="true">12 moderate (−1)</span>' in row
    assert "12, moderate, down 1 since baseline" in row
    # Numbers are right-aligned with tabular figures (govuk numeric cells).
    assert row.count("govuk-table__cell--numeric") == 5


@pytest.mark.django_db
def test_phq9_equal_to_baseline_reads_no_change(client, pwp, service):
    treatment = TreatmentFactory(pwp=pwp, service=service)
    phq9_completed(treatment, PHQ9_MODERATE)
    client.force_login(pwp)
    row = _row(client.get(reverse("workspace:caseload")).content.decode(), treatment)
    assert '<span aria-hidden="true">13 moderate (0)</span>' in row
    assert "13, moderate, no change since baseline" in row
