import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.care.lifecycle import treatment_discharge
from apps.care.models import Treatment, TreatmentStatus
from apps.care.services import CANNOT_ENROL, treatment_enrol
from apps.core.errors import DomainError
from apps.notifications.models import Notification
from tests.factories import StaffFactory


@pytest.mark.django_db
def test_enrolment_allocates_sequential_participant_ids(pwp, service):
    first = treatment_enrol(actor=pwp, service=service, pwp=pwp, email="a@example.org")
    second = treatment_enrol(actor=pwp, service=service, pwp=pwp, email="b@example.org")
    assert (first.participant_id, second.participant_id) == ("NORTH-0001", "NORTH-0002")
    assert first.status == TreatmentStatus.INVITED
    assert (first.planned_end_date - first.start_date).days == 77
    assert first.client.is_client and not first.client.has_usable_password()


@pytest.mark.django_db
def test_enrolling_twice_creates_one_treatment(pwp, service):
    treatment_enrol(actor=pwp, service=service, pwp=pwp, email="a@example.org")
    with pytest.raises(DomainError) as error:
        treatment_enrol(actor=pwp, service=service, pwp=pwp, email="A@example.org")
    assert error.value.field == "email"
    assert Treatment.objects.count() == 1


@pytest.mark.django_db
def test_staff_email_cannot_be_enrolled_as_client(pwp, service, supervisor):
    with pytest.raises(DomainError):
        treatment_enrol(actor=pwp, service=service, pwp=pwp, email=supervisor.email)


@pytest.mark.django_db
def test_pwp_cannot_enrol_into_another_service(pwp, other_service, other_pwp):
    with pytest.raises(DomainError):
        treatment_enrol(actor=pwp, service=other_service, pwp=other_pwp, email="x@example.org")


@pytest.mark.django_db
def test_returning_client_keeps_account_and_is_invited_to_accept(
    client, pwp, service, treatment, django_capture_on_commit_callbacks
):
    treatment_discharge(actor=pwp, treatment=treatment)
    with django_capture_on_commit_callbacks(execute=True):
        again = treatment_enrol(actor=pwp, service=service, pwp=pwp, email=treatment.client.email)
    assert again.client == treatment.client
    # Never active at once: through the client's own invitation and consent.
    assert again.status == TreatmentStatus.INVITED
    assert Notification.objects.filter(
        recipient=treatment.client, kind="treatment_invitation"
    ).exists()
    assert reverse("care:treatment_accept") in mail.outbox[-1].body

    client.force_login(treatment.client)
    page = client.get(reverse("care:treatment_accept")).content.decode()
    assert "Start your new treatment" in page and service.name in page
    client.post(reverse("care:treatment_accept"))
    again.refresh_from_db()
    assert again.status == TreatmentStatus.ACTIVE


@pytest.mark.django_db
def test_pwp_cannot_enrol_another_services_finished_client(pwp, service, other_treatment):
    other_treatment.status = TreatmentStatus.COMPLETED
    other_treatment.save()
    with pytest.raises(DomainError) as error:
        treatment_enrol(actor=pwp, service=service, pwp=pwp, email=other_treatment.client.email)
    assert str(error.value) == str(CANNOT_ENROL)
    assert other_treatment.client.treatments.count() == 1


@pytest.mark.django_db
def test_one_neutral_message_for_staff_and_other_services_clients(
    pwp, service, supervisor, other_treatment
):
    messages = set()
    for email in (supervisor.email, other_treatment.client.email, "SUPERVISOR@NORTH.EXAMPLE"):
        with pytest.raises(DomainError) as error:
            treatment_enrol(actor=pwp, service=service, pwp=pwp, email=email)
        messages.add(str(error.value))
    assert messages == {str(CANNOT_ENROL)}
    assert "staff" not in str(CANNOT_ENROL) and "service" not in str(CANNOT_ENROL).split(",")[0]


@pytest.mark.django_db
def test_the_enrol_page_says_the_truth_and_reveals_nothing(client, pwp, service, other_treatment):
    client.force_login(pwp)
    data = {
        "service": service.pk,
        "pwp": pwp.pk,
        "email": other_treatment.client.email,
        "first_name": "Sam",
        "last_name": "",
        "start_date": timezone.localdate().isoformat(),
    }
    page = client.post(reverse("care:enrol"), data).content.decode()
    assert "We cannot enrol this email address" in page
    assert other_treatment.client.first_name not in page
    assert other_treatment.service.name not in page
    data["email"] = "new.person@example.org"
    done = client.post(reverse("care:enrol"), data, follow=True).content.decode()
    assert "their treatment starts when they accept it" in done


@pytest.mark.django_db
def test_enrol_form_double_submit_creates_one_record(
    client, pwp, service, django_capture_on_commit_callbacks
):
    client.force_login(pwp)
    data = {
        "email": "nia@example.org",
        "first_name": "Nia",
        "last_name": "Jones",
        "service": service.pk,
        "pwp": pwp.pk,
        "start_date": "",
    }
    from django.utils import timezone

    data["start_date"] = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("care:enrol"), data)
        second = client.post(reverse("care:enrol"), data)
    assert first.status_code == 302
    assert second.status_code == 200
    content = second.content.decode()
    assert "already has an open treatment" in content
    assert 'value="Nia"' in content
    assert Treatment.objects.filter(client__email="nia@example.org").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_enrol_form_refuses_pwp_from_another_service(client, pwp, service, other_service):
    outsider = StaffFactory(pwp_in=other_service)
    client.force_login(pwp)
    response = client.post(
        reverse("care:enrol"),
        {
            "email": "z@example.org",
            "first_name": "Zed",
            "service": service.pk,
            "pwp": outsider.pk,
            "start_date": "2026-11-20",
        },
    )
    assert response.status_code == 200
    assert not Treatment.objects.filter(client__email="z@example.org").exists()


@pytest.mark.django_db
def test_an_empty_enrol_post_names_the_missing_fields(client, pwp):
    client.force_login(pwp)
    response = client.post(reverse("care:enrol"), {})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Treatment.objects.exists()
