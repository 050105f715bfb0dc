"""Service leads manage staff without the Django admin."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.care.models import StaffMembership, StaffRole
from apps.care.staff import staff_deactivate, staff_invite, staff_roles_set
from apps.core.errors import DomainError
from tests.factories import PASSWORD, StaffFactory


def _invite_data(**overrides):
    data = {"email": "new.pwp@north.example", "first_name": "Bryn", "last_name": "Lewis"}
    data["role"] = "pwp"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_supervisor_invites_a_pwp_who_gets_the_one_time_link(
    client, supervisor, service, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("care:staff_invite", args=[service.pk]), _invite_data())
    assert response.status_code == 302
    person = User.objects.get(email="new.pwp@north.example")
    assert person.is_pwp and not person.has_usable_password()
    assert StaffMembership.objects.filter(user=person, service=service, role="pwp").exists()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/account/invitation/[^\s]+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    assert "staff account" in mail.outbox[0].body
    page = client.get(reverse("care:staff_list", args=[service.pk])).content.decode()
    assert "Bryn Lewis" in page and "Invited, not yet signed in" in page


@pytest.mark.django_db
def test_only_an_admin_invites_a_trial_manager(supervisor, admin_user, service):
    with pytest.raises(DomainError) as error:
        staff_invite(
            actor=supervisor,
            service=service,
            email="tm@example.org",
            first_name="Tam",
            role="trial_manager",
        )
    assert error.value.field == "role"
    person = staff_invite(
        actor=admin_user,
        service=service,
        email="tm@example.org",
        first_name="Tam",
        role="trial_manager",
    )
    assert person.is_trial_manager and not person.memberships.exists()


@pytest.mark.django_db
def test_a_clients_email_cannot_be_invited_as_staff(supervisor, service, client_user):
    with pytest.raises(DomainError) as error:
        staff_invite(
            actor=supervisor, service=service, email=client_user.email, first_name="X", role="pwp"
        )
    assert error.value.field == "email"
    client_user.refresh_from_db()
    assert not client_user.is_pwp


@pytest.mark.django_db
def test_supervisor_cannot_manage_another_service(client, supervisor, other_service, other_pwp):
    client.force_login(supervisor)
    for url in (
        reverse("care:staff_list", args=[other_service.pk]),
        reverse("care:staff_invite", args=[other_service.pk]),
        reverse("care:staff_member", args=[other_service.pk, other_pwp.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("care:staff_member", args=[other_service.pk, other_pwp.pk]),
        {"action": "deactivate"},
    )
    assert response.status_code == 404
    other_pwp.refresh_from_db()
    assert other_pwp.is_active


@pytest.mark.django_db
def test_a_pwp_or_trial_manager_cannot_manage_anyone(
    client, pwp, colleague_pwp, trial_manager, service
):
    for user in (pwp, trial_manager):
        client.force_login(user)
        assert client.get(reverse("care:staff_services")).status_code == 403
        assert client.get(reverse("care:staff_list", args=[service.pk])).status_code == 403
        response = client.post(
            reverse("care:staff_member", args=[service.pk, colleague_pwp.pk]),
            {"action": "deactivate"},
        )
        assert response.status_code == 403
    colleague_pwp.refresh_from_db()
    assert colleague_pwp.is_active


@pytest.mark.django_db
def test_supervisor_cannot_change_someone_who_also_works_elsewhere(
    supervisor, service, other_service
):
    both = StaffFactory(pwp_in=service)
    StaffMembership.objects.create(user=both, service=other_service, role=StaffRole.PWP)
    with pytest.raises(DomainError):
        staff_deactivate(actor=supervisor, service=service, user=both)


@pytest.mark.django_db
def test_deactivation_ends_every_session_of_theirs_at_once(client, supervisor, colleague_pwp, pwp):
    theirs, other = Client(), Client()
    theirs.force_login(colleague_pwp)
    theirs_too = Client()
    theirs_too.force_login(colleague_pwp)
    other.force_login(pwp)
    assert theirs.get(reverse("workspace:caseload")).status_code == 200
    client.force_login(supervisor)
    response = client.post(
        reverse(
            "care:staff_member", args=[supervisor.memberships.get().service_id, colleague_pwp.pk]
        ),
        {"action": "deactivate"},
        follow=True,
    )
    assert "signed out everywhere" in response.content.decode()
    colleague_pwp.refresh_from_db()
    assert not colleague_pwp.is_active
    owners = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(colleague_pwp.pk) not in owners
    assert str(pwp.pk) in owners
    assert theirs.get(reverse("workspace:caseload")).status_code == 302
    assert other.get(reverse("workspace:caseload")).status_code == 200


@pytest.mark.django_db
def test_roles_change_and_a_pwp_with_open_clients_keeps_the_pwp_role(
    client, supervisor, service, pwp, treatment, colleague_pwp
):
    client.force_login(supervisor)
    url = reverse("care:staff_member", args=[service.pk, pwp.pk])
    page = client.post(url, {"action": "roles", "roles": ["supervisor"]}).content.decode()
    assert "Hand their clients over" in page
    assert User.objects.get(pk=pwp.pk).is_pwp
    response = client.post(
        reverse("care:staff_member", args=[service.pk, colleague_pwp.pk]),
        {"action": "roles", "roles": ["pwp", "supervisor"]},
    )
    assert response.status_code == 302
    colleague_pwp.refresh_from_db()
    assert colleague_pwp.is_pwp and colleague_pwp.is_supervisor
    staff_roles_set(actor=supervisor, service=service, user=colleague_pwp, roles=["supervisor"])
    colleague_pwp.refresh_from_db()
    assert not colleague_pwp.is_pwp and colleague_pwp.is_supervisor


@pytest.mark.django_db
def test_the_staff_list_keeps_its_query_count(
    client, supervisor, service, django_assert_max_num_queries
):
    for n in range(6):
        StaffFactory(pwp_in=service, email=f"p{n}@north.example")
    client.force_login(supervisor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("care:staff_list", args=[service.pk]))
    assert response.status_code == 200
    assert PASSWORD  # the factory password signs people in elsewhere
