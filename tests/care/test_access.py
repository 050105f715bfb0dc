"""Every access rule, tried from the wrong side."""

import pytest
from django.urls import reverse

from apps.care.access import treatment_get_for_user, treatment_may_act, treatments_visible_to
from tests.factories import PASSWORD, StaffFactory, TreatmentFactory


@pytest.mark.django_db
def test_each_persona_sees_exactly_the_treatments_it_should(
    treatment,
    other_treatment,
    client_user,
    other_client,
    pwp,
    other_pwp,
    colleague_pwp,
    supervisor,
    trial_manager,
    admin_user,
):
    def visible(user):
        return set(treatments_visible_to(user, write=False))

    assert visible(client_user) == {treatment}
    assert visible(other_client) == {other_treatment}
    assert visible(pwp) == {treatment}
    assert visible(other_pwp) == {other_treatment}
    assert visible(colleague_pwp) == set()
    assert visible(supervisor) == {treatment}
    assert visible(trial_manager) == set()
    assert visible(admin_user) == {treatment, other_treatment}


@pytest.mark.django_db
def test_only_the_client_their_pwp_and_admins_may_act_in_a_record(
    treatment,
    other_treatment,
    client_user,
    pwp,
    colleague_pwp,
    supervisor,
    trial_manager,
    admin_user,
    service,
):
    def writable(user):
        return set(treatments_visible_to(user, write=True))

    assert writable(client_user) == {treatment}
    assert writable(pwp) == {treatment}
    assert writable(colleague_pwp) == set()
    assert writable(supervisor) == set()  # reads the whole service, acts in none of it
    assert writable(trial_manager) == set()
    assert writable(admin_user) == {treatment, other_treatment}
    for user in (client_user, pwp, admin_user):
        assert treatment_may_act(user=user, treatment=treatment)
    for user in (colleague_pwp, supervisor, trial_manager):
        assert not treatment_may_act(user=user, treatment=treatment)

    # A supervisor who also carries a caseload acts in their own clients' records only.
    both = StaffFactory(pwp_in=service, supervisor_of=service)
    own = TreatmentFactory(service=service, pwp=both)
    assert set(treatments_visible_to(both, write=False)) == {treatment, own}
    assert writable(both) == {own}


@pytest.mark.django_db
def test_access_helper_raises_404_for_wrong_user(treatment, other_pwp):
    from django.http import Http404

    with pytest.raises(Http404):
        treatment_get_for_user(user=other_pwp, treatment_id=treatment.pk, write=True)
    with pytest.raises(Http404):
        treatment_get_for_user(user=other_pwp, treatment_id="not-a-number", write=False)


@pytest.mark.django_db
def test_pwp_cannot_open_another_pwps_client(client, treatment, other_pwp):
    client.force_login(other_pwp)
    response = client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    assert response.status_code == 404
    assert treatment.client.email not in response.content.decode()


@pytest.mark.django_db
def test_client_cannot_open_another_clients_record_by_id(client, treatment, other_client):
    client.force_login(other_client)
    response = client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    assert response.status_code in (403, 404)
    assert treatment.client.email not in response.content.decode()


@pytest.mark.django_db
def test_trial_manager_cannot_open_identifiable_pages(client, treatment, trial_manager):
    client.force_login(trial_manager)
    for url in [
        reverse("workspace:client_detail", args=[treatment.pk]),
        reverse("workspace:caseload"),
        reverse("workspace:service_overview"),
        reverse("care:enrol"),
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert treatment.client.email not in response.content.decode()
        assert treatment.client.last_name not in response.content.decode()


@pytest.mark.django_db
def test_trial_overview_shows_no_names(client, treatment, trial_manager):
    client.force_login(trial_manager)
    response = client.get(reverse("trials:overview"))
    content = response.content.decode()
    assert response.status_code == 200
    assert treatment.service.code in content
    assert treatment.client.email not in content
    assert treatment.client.last_name not in content


@pytest.mark.django_db
def test_supervisor_sees_service_clients_grouped_by_pwp(client, treatment, supervisor, pwp):
    client.force_login(supervisor)
    response = client.get(reverse("workspace:service_overview"))
    content = response.content.decode()
    assert pwp.get_full_name() in content
    assert treatment.participant_id in content
    assert client.get(reverse("workspace:client_detail", args=[treatment.pk])).status_code == 200


@pytest.mark.django_db
def test_supervisor_of_other_service_is_refused(client, treatment, other_service):
    from tests.factories import StaffFactory

    outsider = StaffFactory(supervisor_of=other_service)
    client.force_login(outsider)
    assert client.get(reverse("workspace:client_detail", args=[treatment.pk])).status_code == 404
    assert (
        treatment.participant_id
        not in client.get(reverse("workspace:service_overview")).content.decode()
    )


@pytest.mark.django_db
def test_caseload_lists_only_own_clients(client, treatment, other_treatment, pwp):
    client.force_login(pwp)
    content = client.get(reverse("workspace:caseload")).content.decode()
    assert treatment.participant_id in content
    assert other_treatment.participant_id not in content


@pytest.mark.django_db
def test_opening_a_client_record_is_audit_logged(client, treatment, pwp):
    from apps.core.models import AccessEvent

    client.force_login(pwp)
    client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    entry = AccessEvent.objects.latest("at")
    assert [treatment.client_id, treatment.pk] in entry.subjects
    assert entry.actor == pwp


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_sign_in(client, treatment):
    response = client.get(reverse("workspace:client_detail", args=[treatment.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_client_cannot_use_staff_pages(client, client_user):
    client.force_login(client_user)
    for name in [
        "workspace:caseload",
        "care:enrol",
        "workspace:service_overview",
        "trials:overview",
    ]:
        assert client.get(reverse(name)).status_code == 403, name


def test_password_fixture_is_not_a_real_password():
    assert len(PASSWORD) > 10
