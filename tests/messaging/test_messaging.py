"""Secure messages: one thread per treatment, receipts, idempotency, outbox, access."""

import uuid

import pytest
from django.urls import reverse

from apps.care.models import TreatmentStatus
from apps.core.errors import DomainError
from apps.messaging.models import Message
from apps.messaging.selectors import unread_counts_for_treatments
from apps.messaging.services import message_send, thread_mark_read
from apps.notifications.models import Notification
from tests.care.factories import MessageFactory
from tests.factories import TreatmentFactory


def _post(client, treatment, body, key=None, **extra):
    return client.post(
        reverse("messaging:thread", args=[treatment.pk]),
        {"body": body, "idempotency_key": str(key or uuid.uuid4())},
        **extra,
    )


@pytest.mark.django_db
def test_client_inbox_goes_to_their_one_conversation(client, client_user, treatment):
    client.force_login(client_user)
    response = client.get(reverse("messaging:inbox"))
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[treatment.pk])


@pytest.mark.django_db
def test_double_submit_sends_one_message(client, client_user, treatment):
    client.force_login(client_user)
    key = uuid.uuid4()
    assert _post(client, treatment, "Hello", key).status_code == 302
    assert _post(client, treatment, "Hello", key).status_code == 302
    assert Message.objects.count() == 1
    message = Message.objects.get()
    assert message.from_client and message.sender == client_user


@pytest.mark.django_db
def test_pwp_message_notifies_client_without_its_content(
    pwp, treatment, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        message, created = message_send(
            sender=pwp,
            treatment=treatment,
            body="Your secret plan details",
            idempotency_key=uuid.uuid4(),
        )
    assert created
    notification = Notification.objects.get(kind="new_message")
    assert notification.recipient == treatment.client
    assert "secret" not in str(notification.context).lower()
    for email in mail.outbox:
        assert "Your secret plan details" not in email.body
        assert "Your secret plan details" not in email.subject


@pytest.mark.django_db
def test_read_receipt_is_set_when_the_recipient_opens_the_thread(
    client, pwp, client_user, treatment
):
    sent = MessageFactory(treatment=treatment, from_client=True)
    client.force_login(pwp)
    client.get(reverse("messaging:thread", args=[treatment.pk]))
    sent.refresh_from_db()
    assert sent.read_at is not None
    client.force_login(client_user)
    content = client.get(reverse("messaging:thread", args=[treatment.pk])).content.decode()
    from django.utils import timezone

    assert f"Seen {timezone.localtime(sent.read_at):%H:%M}" in content


@pytest.mark.django_db
def test_supervisor_reads_without_receipt_and_cannot_send(client, supervisor, treatment):
    sent = MessageFactory(treatment=treatment, from_client=True)
    client.force_login(supervisor)
    response = client.get(reverse("messaging:thread", args=[treatment.pk]))
    assert response.status_code == 200
    assert sent.body in response.content.decode()
    assert "Send message" not in response.content.decode()
    sent.refresh_from_db()
    assert sent.read_at is None
    assert _post(client, treatment, "From supervisor").status_code == 404
    assert Message.objects.count() == 1
    assert thread_mark_read(reader=supervisor, treatment=treatment) == 0


@pytest.mark.django_db
def test_htmx_error_keeps_typed_text_and_key(client, client_user, treatment):
    client.force_login(client_user)
    key = uuid.uuid4()
    response = client.post(
        reverse("messaging:thread", args=[treatment.pk]),
        {"body": "x" * 5001, "idempotency_key": str(key)},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="thread">')
    assert "x" * 5001 in content
    assert str(key) in content
    assert not Message.objects.exists()
    ok = _post(client, treatment, "Fine now", HTTP_HX_REQUEST="true").content.decode()
    assert "Fine now" in ok and "x" * 50 not in ok


@pytest.mark.django_db
def test_messages_close_when_treatment_ends(pwp, treatment):
    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    with pytest.raises(DomainError):
        message_send(sender=pwp, treatment=treatment, body="Hi", idempotency_key=uuid.uuid4())


@pytest.mark.django_db
def test_unread_counts_for_caseload_in_one_query(pwp, service, django_assert_num_queries):
    treatments = [TreatmentFactory(pwp=pwp, service=service) for _ in range(3)]
    MessageFactory(treatment=treatments[0])
    MessageFactory(treatment=treatments[0])
    MessageFactory(treatment=treatments[1], from_client=False)
    with django_assert_num_queries(1):
        counts = unread_counts_for_treatments([t.pk for t in treatments])
    assert counts == {treatments[0].pk: 2}


@pytest.mark.django_db
def test_pwp_inbox_lists_unread_first_and_only_own_caseload(client, pwp, service, other_treatment):
    read = TreatmentFactory(pwp=pwp, service=service, client__first_name="Readable")
    unread = TreatmentFactory(pwp=pwp, service=service, client__first_name="Waiting")
    MessageFactory(treatment=unread)
    old = MessageFactory(treatment=read)
    Message.objects.filter(pk=old.pk).update(read_at=old.created_at)
    MessageFactory(treatment=other_treatment)
    client.force_login(pwp)
    content = client.get(reverse("messaging:inbox")).content.decode()
    assert content.index(unread.participant_id) < content.index(read.participant_id)
    assert other_treatment.participant_id not in content


@pytest.mark.django_db
def test_other_pwp_and_other_client_cannot_open_or_post(client, treatment, other_pwp, other_client):
    MessageFactory(treatment=treatment, body="Private words")
    for intruder in (other_pwp, other_client):
        client.force_login(intruder)
        response = client.get(reverse("messaging:thread", args=[treatment.pk]))
        assert response.status_code == 404
        assert "Private words" not in response.content.decode()
        assert _post(client, treatment, "hijack").status_code == 404
    assert Message.objects.count() == 1
