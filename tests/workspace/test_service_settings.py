"""A service lead changes the service's settings on a page, with validation and audit."""

import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from apps.care.models import Service
from apps.notifications.models import ServiceQuietHours
from apps.questionnaires.models import PROTOCOL_PRESET_CHOICES, QuestionnaireProtocol
from apps.safety.models import ServiceSafetyPolicy


def _data(service, **overrides):
    data = {
        "time_zone": service.time_zone,
        "contact_within": "",
        "escalation_hours": "",
        "crisis_resources": "[]",
        "protocol_preset": "",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_supervisor_changes_settings_and_each_change_is_audited(client, supervisor, service):
    client.force_login(supervisor)
    url = reverse("workspace:service_settings", args=[service.pk])
    assert client.get(reverse("workspace:service_settings_index"))["Location"] == url
    resources = [{"name": "North crisis line", "phone": "0800 000 111", "detail": "Any time"}]
    preset = PROTOCOL_PRESET_CHOICES[0][0]
    response = client.post(
        url,
        _data(
            service,
            time_zone="Europe/Amsterdam",
            contact_within="1 working day",
            escalation_hours="6",
            crisis_resources=json.dumps(resources),
            protocol_preset=preset,
        ),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    policy = ServiceSafetyPolicy.objects.get(service=service)
    assert service.time_zone == "Europe/Amsterdam"
    assert policy.escalation_hours == 6 and policy.crisis_resources == resources
    assert QuestionnaireProtocol.objects.get(service=service).preset == preset
    for model, pk in ((Service, service.pk), (ServiceSafetyPolicy, policy.pk)):
        entry = LogEntry.objects.get_for_object(model.objects.get(pk=pk)).first()
        assert entry is not None and entry.actor == supervisor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Europe/Atlantis", "Enter a time zone we know"),
        ("escalation_hours", "0", "Enter at least 1 hour"),
        ("crisis_resources", "not json", "Enter the resources as a list in JSON"),
        ("crisis_resources", json.dumps([{"phone": "1"}]), "Each resource needs a"),
        ("quiet_hours_start", "25:00", "Choose when quiet hours start from the list"),
        ("quiet_hours_end", "", "Choose when quiet hours end"),
        ("quiet_hours_end", "21:00", "Choose an end time different from the start"),
        ("quiet_hours_end", "14:00", "Choose quiet hours of 16 hours or fewer"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message_and_nothing_saved(
    client, supervisor, service, field, value, message
):
    client.force_login(supervisor)
    url = reverse("workspace:service_settings", args=[service.pk])
    response = client.post(url, _data(service, contact_within="2 days", **{field: value}))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="2 days"' in page  # what they typed is kept
    service.refresh_from_db()
    assert service.time_zone == "Europe/London"
    assert not ServiceSafetyPolicy.objects.filter(service=service, contact_within="2 days").exists()
    assert not ServiceQuietHours.objects.filter(service=service).exists()


@pytest.mark.django_db
def test_supervisor_sets_the_services_quiet_hours_and_the_change_is_audited(
    client, supervisor, service
):
    client.force_login(supervisor)
    url = reverse("workspace:service_settings", args=[service.pk])
    page = client.get(url).content.decode()
    assert 'value="21:00" selected' in page and 'value="08:00" selected' in page

    response = client.post(url, _data(service, quiet_hours_start="22:30", quiet_hours_end="07:00"))
    assert response.status_code == 302
    row = ServiceQuietHours.objects.get(service=service)
    assert (row.start.isoformat(), row.end.isoformat()) == ("22:30:00", "07:00:00")
    entry = LogEntry.objects.get_for_object(row).first()
    assert entry is not None and entry.actor == supervisor
    page = client.get(url).content.decode()
    assert 'value="22:30" selected' in page and 'value="07:00" selected' in page


@pytest.mark.django_db
def test_a_failed_quiet_hours_change_saves_nothing_else_either(client, supervisor, service):
    client.force_login(supervisor)
    url = reverse("workspace:service_settings", args=[service.pk])
    response = client.post(
        url,
        _data(
            service, time_zone="Europe/Paris", quiet_hours_start="09:00", quiet_hours_end="09:00"
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Choose an end time different from the start" in page
    assert 'value="Europe/Paris"' in page  # what they typed is kept
    service.refresh_from_db()
    assert service.time_zone == "Europe/London"
    assert not ServiceQuietHours.objects.exists()


@pytest.mark.django_db
def test_only_leads_of_the_service_reach_its_settings(
    client, supervisor, other_service, pwp, trial_manager, service
):
    client.force_login(supervisor)
    assert (
        client.get(reverse("workspace:service_settings", args=[other_service.pk])).status_code
        == 404
    )
    for user in (pwp, trial_manager):
        client.force_login(user)
        url = reverse("workspace:service_settings", args=[service.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, _data(service, time_zone="Europe/Paris")).status_code == 403
    service.refresh_from_db()
    assert service.time_zone == "Europe/London"
