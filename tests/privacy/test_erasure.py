"""Erasure and anonymisation: asked for by one administrator, decided by another,
carried out in one transaction with the research exemption recorded, and every
step in the append-only audit."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent, User
from apps.care.consent import WITHDRAW_RESEARCH, consent_withdraw
from apps.care.models import Appointment, Consent, SessionNote, Treatment
from apps.core.audit import chain_verify
from apps.messaging.models import Message
from apps.privacy.erasure import DISPOSITION, REMOVED, is_anonymised
from apps.privacy.models import (
    ErasureKind,
    ErasureRequest,
    ErasureStatus,
    PrivacyAction,
    PrivacyEvent,
    SarStatus,
)
from apps.privacy.services import erasure_request_create, erasure_request_decide
from apps.programme.models import EntryFeedback, ExerciseEntry, ModulePlan, StepProgress
from apps.questionnaires.models import Administration, Answer
from apps.safety.models import RiskAlert, RiskAlertStatus, RiskSource
from apps.tracking.models import Goal, MoodRating
from tests.factories import PASSWORD, UserFactory
from tests.privacy.builders import closed, everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(db):
    return UserFactory(is_staff=True, is_superuser=True, email="admin2@example.org")


@pytest.fixture
def victim(treatment, other_treatment, pwp):
    """The client (treatment ended) with every kind of data; another client with theirs."""
    everything(closed(treatment), "ALPHA", reader=pwp)
    everything(other_treatment, "BRAVO")
    return treatment


def _text_in_database(marker: str) -> list[str]:
    """Every text or JSON column of every app table that still holds `marker`."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "accounts",
            "care",
            "programme",
            "tracking",
            "questionnaires",
            "messaging",
            "safety",
            "notifications",
            "earlywarning",
            "auditlog",
            "axes",
        }:
            continue
        for field in model._meta.concrete_fields:
            if field.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField"):
                lookup = "icontains" if field.get_internal_type() != "JSONField" else "contains"
                if field.get_internal_type() == "JSONField":
                    rows = [
                        v
                        for v in model._default_manager.values_list(field.name, flat=True)
                        if marker in str(v)
                    ]
                    if rows:
                        found.append(f"{model._meta.label}.{field.name}")
                elif model._default_manager.filter(**{f"{field.name}__{lookup}": marker}).exists():
                    found.append(f"{model._meta.label}.{field.name}")
    return found


def _approve(admin, client_user, kind, second):
    request = erasure_request_create(
        actor=admin, client=client_user, kind=kind, reason="The client asked in writing."
    )
    return erasure_request_decide(actor=second, erasure_request=request, approve=True)


def test_the_requester_can_never_approve_their_own_request(victim, admin_user):
    request = erasure_request_create(
        actor=admin_user, client=victim.client, kind=ErasureKind.ERASE, reason="Asked by email."
    )
    with pytest.raises(Exception, match="different administrator"):
        erasure_request_decide(actor=admin_user, erasure_request=request, approve=True)
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    # The database refuses it too, whatever code tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRequest.objects.filter(pk=request.pk).update(
            status=ErasureStatus.DONE, decided_by=admin_user, decided_at=timezone.now()
        )
    assert not is_anonymised(User.objects.get(pk=victim.client_id))


def test_only_administrators_request_or_decide(victim, admin_user, supervisor, pwp):
    from django.core.exceptions import PermissionDenied

    for user in (supervisor, pwp, victim.client):
        with pytest.raises(PermissionDenied):
            erasure_request_create(
                actor=user, client=victim.client, kind="erase", reason="Some reason here."
            )
    request = erasure_request_create(
        actor=admin_user, client=victim.client, kind="erase", reason="Some reason here."
    )
    for user in (supervisor, pwp):
        with pytest.raises(PermissionDenied):
            erasure_request_decide(actor=user, erasure_request=request, approve=True)


def test_anonymise_removes_names_contact_details_and_every_free_text(
    victim, admin_user, second_admin
):
    me = victim.client
    counts_before = (
        Message.objects.filter(treatment=victim).count(),
        Administration.objects.filter(treatment=victim).count(),
        Answer.objects.filter(administration__treatment=victim).count(),
        MoodRating.objects.filter(client=me).count(),
    )
    request = _approve(admin_user, me, ErasureKind.ANONYMISE, second_admin)

    assert request.status == ErasureStatus.DONE
    me.refresh_from_db()
    assert (me.first_name, me.last_name, me.preferred_name) == ("", "", "")
    assert is_anonymised(me) and not me.is_active and not me.has_usable_password()
    assert authenticate(username="client@example.org", password=PASSWORD) is None
    assert _text_in_database("ALPHA") == []
    assert not User.objects.filter(email="client@example.org").exists()
    for model in (AccessLog, AccessFailureLog):  # sign-in records with the address
        assert not model.objects.filter(username="client@example.org").exists()
    # The append-only change log keeps the email of whoever made a change
    # (django-auditlog's actor_email); docs/privacy.md says so.
    assert LogEntry.objects.filter(actor_email="client@example.org").exists()
    assert _text_in_database("Quillfeather") == []
    assert me.notification_preference.phone_number == ""
    # Rows, dates and numbers stay, under the participant ID.
    assert counts_before == (
        Message.objects.filter(treatment=victim).count(),
        Administration.objects.filter(treatment=victim).count(),
        Answer.objects.filter(administration__treatment=victim).count(),
        MoodRating.objects.filter(client=me).count(),
    )
    assert set(Message.objects.filter(treatment=victim).values_list("body", flat=True)) == {REMOVED}
    # The other client is untouched.
    assert len(_text_in_database("BRAVO")) > 10
    assert User.objects.get(email="other.client@example.org").is_active


def test_the_change_log_never_receives_the_removed_words(victim, admin_user, second_admin):
    before = LogEntry.objects.count()
    _approve(admin_user, victim.client, ErasureKind.ANONYMISE, second_admin)
    new = LogEntry.objects.filter(pk__gt=0).order_by("-pk")[: LogEntry.objects.count() - before]
    for entry in new:
        assert "ALPHA" not in str(entry.changes) and "ALPHA" not in entry.object_repr


def test_erase_with_the_research_exemption_keeps_pseudonymised_research_data(
    victim, admin_user, second_admin
):
    me = victim.client
    request = _approve(admin_user, me, ErasureKind.ERASE, second_admin)

    assert request.research_exemption is True
    assert "Article 17(3)(d)" in request.legal_basis
    assert request.kept_participant_ids == [victim.participant_id]
    # Research data: rows kept, text gone.
    assert Treatment.objects.filter(pk=victim.pk).exists()
    assert Appointment.objects.filter(treatment=victim).exists()
    assert ModulePlan.objects.filter(treatment=victim).exists()
    assert StepProgress.objects.filter(treatment=victim).exists()
    assert Answer.objects.filter(administration__treatment=victim).count() == 9
    assert Message.objects.filter(treatment=victim).count() == 2
    assert ExerciseEntry.objects.filter(treatment=victim).count() == 1  # the draft went
    assert MoodRating.objects.filter(client=me).count() == 1  # outside treatment went
    assert LoginEvent.objects.filter(user=me).exists()
    # Everything else is deleted.
    for model in (SessionNote, Goal, EntryFeedback, RiskAlert):
        path = "entry__treatment" if model is EntryFeedback else "treatment"
        assert not model.objects.filter(**{path: victim}).exists(), model
    assert _text_in_database("ALPHA") == []
    assert is_anonymised(User.objects.get(pk=me.pk))


def test_erase_without_the_exemption_deletes_everything_but_the_audit(
    victim, admin_user, second_admin
):
    me = victim.client
    consent_withdraw(actor=admin_user, client=me, withdrawal=WITHDRAW_RESEARCH)
    request = _approve(admin_user, me, ErasureKind.ERASE, second_admin)

    assert request.research_exemption is False and request.legal_basis == ""
    assert request.kept_participant_ids == []
    assert not Treatment.objects.filter(client=me).exists()
    assert not MoodRating.objects.filter(client=me).exists()
    assert not Consent.objects.filter(client=me).exists()
    assert not LoginEvent.objects.filter(user=me).exists()
    assert _text_in_database("ALPHA") == []
    assert User.objects.filter(pk=me.pk, is_active=False).exists()  # the shell
    assert Treatment.objects.filter(client__email="other.client@example.org").exists()
    _checked, problem = chain_verify()
    assert problem is None


def test_every_step_is_in_the_append_only_audit(victim, admin_user, second_admin, postgres):
    request = _approve(admin_user, victim.client, ErasureKind.ERASE, second_admin)
    steps = list(
        PrivacyEvent.objects.filter(erasure_request=request)
        .order_by("pk")
        .values_list("action", "actor_id")
    )
    assert steps == [
        (PrivacyAction.ERASURE_REQUESTED, admin_user.pk),
        (PrivacyAction.ERASURE_APPROVED, second_admin.pk),
        (PrivacyAction.ERASURE_CARRIED_OUT, second_admin.pk),
    ]
    event = PrivacyEvent.objects.filter(erasure_request=request).first()
    for attempt in (
        lambda: PrivacyEvent.objects.filter(pk=event.pk).update(detail={}),
        lambda: PrivacyEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    _checked, problem = chain_verify()
    assert problem is None


def test_an_open_treatment_or_alert_blocks_erasure(treatment, admin_user, second_admin):
    from apps.core.errors import DomainError

    with pytest.raises(DomainError, match="still open"):
        erasure_request_create(
            actor=admin_user, client=treatment.client, kind="erase", reason="Asked by phone."
        )
    closed(treatment)
    request = erasure_request_create(
        actor=admin_user, client=treatment.client, kind="erase", reason="Asked by phone."
    )
    everything(treatment, "ALPHA")
    RiskAlert.objects.create(
        treatment=treatment,
        source=RiskSource.EXERCISE_SAFETY_WORDS,
        exercise_entry=ExerciseEntry.objects.filter(treatment=treatment).first(),
        status=RiskAlertStatus.OPEN,
    )
    with pytest.raises(DomainError, match="safety alert"):
        erasure_request_decide(actor=second_admin, erasure_request=request, approve=True)
    assert SessionNote.objects.filter(treatment=treatment).exists()


def test_a_rejection_needs_a_note_and_changes_nothing(victim, admin_user, second_admin):
    from apps.core.errors import DomainError

    request = erasure_request_create(
        actor=admin_user, client=victim.client, kind="erase", reason="Asked by phone."
    )
    with pytest.raises(DomainError):
        erasure_request_decide(actor=second_admin, erasure_request=request, approve=False)
    erasure_request_decide(
        actor=second_admin,
        erasure_request=request,
        approve=False,
        note="Records must be kept; we wrote to the client.",
    )
    request.refresh_from_db()
    assert request.status == ErasureStatus.REJECTED
    assert len(_text_in_database("ALPHA")) > 10


def test_erasure_deletes_every_copy_of_the_clients_data(
    victim, admin_user, second_admin, settings, tmp_path, django_capture_on_commit_callbacks
):
    from apps.privacy.services import access_request_create

    settings.EXPORT_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        copy = access_request_create(actor=admin_user, client=victim.client)
    copy.refresh_from_db()
    assert (tmp_path / copy.file_name).exists()
    request = _approve(admin_user, victim.client, ErasureKind.ANONYMISE, second_admin)
    copy.refresh_from_db()
    assert copy.status == SarStatus.EXPIRED and not (tmp_path / copy.file_name).exists()
    assert request.summary["copies_deleted"] == 1


def test_the_pages_take_two_administrators(client, victim, admin_user, second_admin):
    me = victim.client
    client.force_login(admin_user)
    page = client.get(reverse("privacy:erasure_new", args=[me.pk]))
    assert page.status_code == 200 and "Research exemption" in page.content.decode()
    response = client.post(
        reverse("privacy:erasure_new", args=[me.pk]),
        {"kind": "anonymise", "reason": "The client asked by letter of 3 March."},
    )
    request = ErasureRequest.objects.get(client=me, status=ErasureStatus.PENDING)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:erasure", args=[request.pk])
    page = client.get(response["Location"]).content.decode()
    assert "A different administrator must decide" in page and "Save decision" not in page
    response = client.post(response["Location"], {"decision": "approve"})
    assert response.status_code == 400
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.PENDING

    client.force_login(second_admin)
    url = reverse("privacy:erasure", args=[request.pk])
    assert "Save decision" in client.get(url).content.decode()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    page = client.get(reverse("privacy:erasure", args=[request.pk])).content.decode()
    assert "Approved and carried out" in page and victim.participant_id in page
    assert is_anonymised(User.objects.get(pk=me.pk))


@pytest.mark.parametrize("persona", ["supervisor", "pwp", "trial_manager", "client_user"])
def test_erasure_pages_are_for_administrators_only(client, victim, admin_user, persona, request):
    item = erasure_request_create(
        actor=admin_user, client=victim.client, kind="erase", reason="Asked by phone."
    )
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("privacy:erasure_new", args=[victim.client_id]),
        reverse("privacy:erasure", args=[item.pk]),
    ):
        assert client.get(url).status_code in (403, 404)
        assert client.post(url, {"decision": "approve", "kind": "erase"}).status_code in (403, 404)
    assert ErasureRequest.objects.get(pk=item.pk).status == ErasureStatus.PENDING


def test_the_disposition_covers_every_model_with_a_clients_data():
    from apps.privacy.bundle import NOT_IN_THE_COPY, SECTIONS

    in_copy = {m._meta.label_lower for s in SECTIONS for m in s.models} - {
        "axes.accesslog",
        "axes.accessfailurelog",
    }
    assert in_copy | set(NOT_IN_THE_COPY) == set(DISPOSITION)
