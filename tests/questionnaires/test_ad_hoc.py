"""A PWP asks their client to fill in a questionnaire now, from the scores page."""

import pytest
from django.urls import reverse

from apps.notifications.models import Notification
from apps.questionnaires.models import Administration, AdministrationStatus
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

INVITATION = "questionnaire_invitation"


def _ask_url(treatment) -> str:
    return reverse("questionnaires:treatment_ask", args=[treatment.pk])


def _ad_hoc(treatment):
    return Administration.objects.filter(treatment=treatment, time_point="ad_hoc")


def test_pwp_asks_for_a_phq9_and_the_client_sees_it(client, pwp, client_user, treatment):
    client.login(email=pwp.email, password=PASSWORD)
    page = client.get(reverse("questionnaires:treatment_scores", args=[treatment.pk]))
    assert "Ask the client to fill in a questionnaire now" in page.content.decode()

    response = client.post(_ask_url(treatment), {"instrument": "phq9"}, follow=True)
    assert response.redirect_chain == [
        (reverse("questionnaires:treatment_scores", args=[treatment.pk]), 302)
    ]
    assert "The client has been asked to fill in the PHQ-9." in response.content.decode()
    administration = _ad_hoc(treatment).get()
    assert administration.instrument == "phq9"
    assert administration.status == AdministrationStatus.OPEN
    # The same invitation the planner sends when it opens a window.
    invitations = Notification.objects.filter(recipient=client_user, kind=INVITATION)
    assert invitations.exists()
    assert {n.dedupe_key for n in invitations} == {f"questionnaire_invitation:{administration.pk}"}

    client.logout()
    client.login(email=client_user.email, password=PASSWORD)
    listing = client.get(reverse("questionnaires:list")).content.decode()
    assert reverse("questionnaires:start", args=[administration.pk]) in listing


def test_asking_twice_creates_one_open_questionnaire_and_one_invitation(
    client, pwp, client_user, treatment
):
    client.login(email=pwp.email, password=PASSWORD)
    for _ in range(2):
        client.post(_ask_url(treatment), {"instrument": "gad7"})
    assert _ad_hoc(treatment).count() == 1
    n_invitations = Notification.objects.filter(recipient=client_user, kind=INVITATION).count()
    client.post(_ask_url(treatment), {"instrument": "phq9"})
    assert _ad_hoc(treatment).count() == 2  # another instrument is another questionnaire
    assert Notification.objects.filter(recipient=client_user, kind=INVITATION).count() > (
        n_invitations
    )


def test_wai_is_offered_only_when_its_wording_is_available(
    settings, tmp_path, client, pwp, treatment
):
    url = reverse("questionnaires:treatment_scores", args=[treatment.pk])
    client.login(email=pwp.email, password=PASSWORD)
    assert 'value="wai_sf_c"' in client.get(url).content.decode()
    settings.WAI_WORDING_FILE = str(tmp_path / "absent.json")
    assert 'value="wai_sf_c"' not in client.get(url).content.decode()
    response = client.post(_ask_url(treatment), {"instrument": "wai_sf_c"})
    assert response.status_code == 200
    assert "Choose one of the questionnaires listed." in response.content.decode()
    assert not _ad_hoc(treatment).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("other_pwp", 404),
        ("colleague_pwp", 404),
        ("supervisor", 404),
        ("client_user", 403),
        ("trial_manager", 403),
    ],
)
def test_only_the_clients_own_pwp_may_ask(request, client, treatment, persona, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(_ask_url(treatment), {"instrument": "phq9"})
    assert response.status_code == status
    assert not _ad_hoc(treatment).exists()
    assert not Notification.objects.filter(kind=INVITATION).exists()


def test_supervisor_reads_the_scores_page_without_the_form(client, supervisor, treatment):
    client.login(email=supervisor.email, password=PASSWORD)
    page = client.get(reverse("questionnaires:treatment_scores", args=[treatment.pk]))
    assert page.status_code == 200
    assert "Ask the client to fill in a questionnaire now" not in page.content.decode()
