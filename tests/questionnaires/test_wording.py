"""Licensed WAI-SF-C wording: missing -> admin warning and clients cannot open it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.questionnaires.checks import check_questionnaires
from apps.questionnaires.models import Answer
from tests.factories import PASSWORD
from tests.questionnaires.factories import AdministrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wai(treatment):
    return AdministrationFactory(
        treatment=treatment, instrument="wai_sf_c", time_point="end_of_treatment"
    )


def test_missing_wording_is_a_system_check_warning(settings, tmp_path):
    settings.WAI_WORDING_FILE = str(tmp_path / "absent.json")
    ids = [m.id for m in check_questionnaires()]
    assert ids == ["questionnaires.W001"]
    settings.WAI_WORDING_FILE = ""
    assert [m.id for m in check_questionnaires()] == ["questionnaires.W001"]


def test_broken_wording_file_is_a_system_check_error(settings, tmp_path):
    bad = tmp_path / "wording.json"
    bad.write_text('{"version": "x"}')
    settings.WAI_WORDING_FILE = str(bad)
    assert [m.id for m in check_questionnaires()] == ["questionnaires.E002"]


def test_placeholder_wording_passes_the_check(settings):
    assert check_questionnaires() == []


def test_client_cannot_open_wai_without_wording(settings, client, client_user, wai, tmp_path):
    settings.WAI_WORDING_FILE = str(tmp_path / "absent.json")
    client.login(email=client_user.email, password=PASSWORD)
    listing = client.get(reverse("questionnaires:list")).content.decode()
    assert "Not available yet" in listing
    assert reverse("questionnaires:start", args=[wai.pk]) not in listing
    page = client.get(reverse("questionnaires:item", args=[wai.pk, 1])).content.decode()
    assert "This questionnaire is not available yet" in page
    client.post(reverse("questionnaires:item", args=[wai.pk, 1]), {"answer": "3"})
    assert not Answer.objects.filter(administration=wai).exists()


def test_admin_home_warns_while_wording_is_missing(settings, client, admin_user, tmp_path):
    settings.WAI_WORDING_FILE = str(tmp_path / "absent.json")
    client.login(email=admin_user.email, password=PASSWORD)
    html = client.get(reverse("workspace:admin_home")).content.decode()
    assert "The licensed wording for wai_sf_c is missing" in html


def test_placeholder_wording_is_marked_and_its_version_recorded(client, client_user, wai):
    client.login(email=client_user.email, password=PASSWORD)
    html = client.get(reverse("questionnaires:item", args=[wai.pk, 1])).content.decode()
    assert "Placeholder wording" in html
    client.post(reverse("questionnaires:item", args=[wai.pk, 1]), {"answer": "4"})
    wai.refresh_from_db()
    assert wai.wording_version == "placeholder"


def test_check_command_runs_clean_with_test_settings():
    call_command("check")
