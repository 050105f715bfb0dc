"""Copies of a client's data (subject access): everything of theirs, nothing of
anyone else's, made in the background, downloaded by the right people only,
every step logged."""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.care.models import Treatment
from apps.core.audit import chain_verify
from apps.notifications.models import Notification
from apps.notifications.services import notification_render
from apps.privacy.bundle import NOT_IN_THE_COPY, SECTIONS, csv_cell
from apps.privacy.models import (
    PrivacyAction,
    PrivacyEvent,
    ReleaseState,
    SarStatus,
    SubjectAccessRequest,
)
from apps.privacy.notify import DATA_COPY_READY
from tests.factories import StaffFactory
from tests.privacy.builders import everything

pytestmark = pytest.mark.django_db

# The client page as a supervisor: the session, the client (with the access
# check), their treatments, their copies and the read audit (docs/audit.md).
# The same however many copies there are.
PAGE_QUERIES = 13


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def two_clients(treatment, other_treatment, pwp, supervisor):
    """The victim with every kind of data, and another client with theirs."""
    everything(treatment, "ALPHA", reader=pwp)
    everything(other_treatment, "BRAVO", reader=other_treatment.pwp)
    return treatment, other_treatment


def _ask(client, user, person, capture):
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("privacy:copy_request", args=[person.pk]))
    assert response.status_code == 302
    return SubjectAccessRequest.objects.filter(client=person).latest("created_at")


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode() for name in archive.namelist())


def test_copy_holds_every_kind_of_data_and_nothing_of_another_client(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, theirs = two_clients
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    copy.refresh_from_db()
    assert copy.status == SarStatus.READY, copy.error
    archive = _zip(client.get(reverse("privacy:copy_download", args=[copy.pk])))

    names = set(archive.namelist())
    assert {"index.html", "manifest.json"} <= names
    for section in SECTIONS:
        rows = json.loads(archive.read(f"data/{section.key}.json"))
        assert rows, f"the copy has no {section.key}"
        header = next(csv.reader(io.StringIO(archive.read(f"data/{section.key}.csv").decode())))
        assert header == [key for key, _label in section.columns]
    text = _all_text(archive)
    for words in (
        "ALPHA-welcome",
        "ALPHA-session-note",
        "ALPHA-agreed",
        "ALPHA-task",
        "ALPHA-thought",
        "ALPHA-draft",
        "ALPHA-feedback",
        "ALPHA-reply",
        "ALPHA-mood-note",
        "ALPHA-goal-comment",
        "ALPHA-message-client",
        "ALPHA-message-pwp",
        "ALPHA-alert-note",
        "ALPHA-plan",
        "ALPHA-browser",
        "07700900123",
        mine.participant_id,
        mine.client.email,
    ):
        assert words in text, words
    for words in ("BRAVO", theirs.participant_id, theirs.client.email, "Oswin", "Marchbanks"):
        assert words not in text, f"another client's {words!r} is in the copy"


def test_the_readable_page_is_plain_and_self_contained(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    html = _zip(client.get(reverse("privacy:copy_download", args=[copy.pk]))).read("index.html")
    page = html.decode()
    assert "<script" not in page.lower()
    assert "style=" not in page.lower() and "<style" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "fetches something"
    assert "Your account" in page and "Ceridwen" in page and "ALPHA-goal" in page
    for section in SECTIONS:
        assert f'id="{section.key}"' in page


def test_the_copy_is_in_the_clients_language(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    User.objects.filter(pk=mine.client_id).update(language="nl")
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    archive = _zip(client.get(reverse("privacy:copy_download", args=[copy.pk])))
    assert 'lang="nl"' in archive.read("index.html").decode()
    assert json.loads(archive.read("manifest.json"))["language"] == "nl"


def test_every_model_with_a_clients_data_is_in_the_copy_or_named():
    """A new model pointing at a person or a treatment must join a section (or be
    listed in NOT_IN_THE_COPY with a reason)."""
    user, treatment = apps.get_model(settings.AUTH_USER_MODEL), Treatment
    found: set[type] = {user, treatment}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found:
                continue
            targets = {
                f.related_model for f in model._meta.get_fields() if f.is_relation and f.concrete
            }
            if targets & found:
                found.add(model)
                changed = True
    covered = {m._meta.label_lower for s in SECTIONS for m in s.models}
    named = set(NOT_IN_THE_COPY)
    labels = {m._meta.label_lower for m in found}
    assert labels - covered - named == set(), "models with client data not in the copy"
    assert (covered | named) - labels - {"axes.accesslog", "axes.accessfailurelog"} == set()


def test_spreadsheet_formulas_are_written_as_text():
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("-1") == "'-1"
    assert csv_cell(-1) == "-1"
    assert csv_cell("Walk = good") == "Walk = good"


def test_request_production_and_download_are_logged(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    client.get(reverse("privacy:copy_download", args=[copy.pk]))
    steps = list(
        PrivacyEvent.objects.filter(access_request=copy)
        .order_by("pk")
        .values_list("action", "actor_id", "client_id")
    )
    assert steps == [
        (PrivacyAction.SAR_REQUESTED, supervisor.pk, mine.client_id),
        (PrivacyAction.SAR_PRODUCED, None, mine.client_id),
        (PrivacyAction.SAR_DOWNLOADED, supervisor.pk, mine.client_id),
    ]
    _checked, problem = chain_verify()
    assert problem is None


def test_the_download_link_expires(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    days = settings.RETENTION_DAYS["data_copies"]
    url = reverse("privacy:copy_download", args=[copy.pk])
    with time_machine.travel(start + datetime.timedelta(days=days, hours=-1), tick=False):
        client.force_login(supervisor)  # a new session: the first one has ended by now
        assert client.get(url).status_code == 200
    with time_machine.travel(start + datetime.timedelta(days=days, hours=1), tick=False):
        client.force_login(supervisor)
        assert client.get(url).status_code == 410


@pytest.mark.parametrize(
    "persona", ["pwp", "colleague_pwp", "other_pwp", "trial_manager", "other_client"]
)
def test_other_roles_and_services_cannot_ask_for_or_download_a_copy(
    client, two_clients, supervisor, persona, request, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    client.force_login(request.getfixturevalue(persona))
    for response in (
        client.get(reverse("privacy:client", args=[mine.client_id])),
        client.post(reverse("privacy:copy_request", args=[mine.client_id])),
        client.get(reverse("privacy:copy_download", args=[copy.pk])),
    ):
        assert response.status_code in (403, 404)
    assert SubjectAccessRequest.objects.filter(client=mine.client).count() == 1


def test_a_supervisor_of_another_service_gets_404(
    client, two_clients, other_service, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    copy = _ask(client, supervisor, mine.client, django_capture_on_commit_callbacks)
    client.force_login(StaffFactory(supervisor_of=other_service, email="sup@south.example"))
    assert client.get(reverse("privacy:client", args=[mine.client_id])).status_code == 404
    assert client.get(reverse("privacy:copy_download", args=[copy.pk])).status_code == 404


def test_an_admin_may_ask_for_any_clients_copy(
    client, two_clients, admin_user, django_capture_on_commit_callbacks
):
    _mine, theirs = two_clients
    copy = _ask(client, admin_user, theirs.client, django_capture_on_commit_callbacks)
    assert copy.status == SarStatus.READY and copy.release_state == ReleaseState.NOT_NEEDED


def test_a_clients_own_copy_waits_for_staff_to_release_it(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    me = mine.client
    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("privacy:my_data")).status_code == 302
    copy = SubjectAccessRequest.objects.get(client=me)
    assert copy.status == SarStatus.READY and copy.release_state == ReleaseState.AWAITING
    url = reverse("privacy:copy_download", args=[copy.pk])
    assert client.get(url).status_code == 302  # not released yet
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert "Being checked by a member of staff" in page

    client.force_login(supervisor)
    page = client.get(reverse("privacy:client", args=[me.pk])).content.decode()
    assert "Save decision" in page
    prefix = f"c{copy.pk.hex[:12]}"
    response = client.post(
        reverse("privacy:copy_release", args=[copy.pk]), {f"{prefix}-decision": "release"}
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.release_state == ReleaseState.RELEASED and copy.released_by == supervisor
    email = Notification.objects.get(recipient=me, kind=DATA_COPY_READY)
    message = notification_render(email)
    assert "ready" in message.subject and "/privacy/your-data/" in message.body
    assert "ALPHA-session-note" not in message.body  # the email holds no data

    client.force_login(me)
    assert "Download your data" in client.get(reverse("privacy:my_data")).content.decode()
    archive = _zip(client.get(url))
    assert "ALPHA-session-note" in _all_text(archive)
    downloads = PrivacyEvent.objects.filter(action=PrivacyAction.SAR_DOWNLOADED, actor=me)
    assert downloads.count() == 1


def test_staff_may_decline_with_a_reason_the_client_reads(
    client, two_clients, supervisor, django_capture_on_commit_callbacks
):
    mine, _theirs = two_clients
    me = mine.client
    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:my_data"))
    copy = SubjectAccessRequest.objects.get(client=me)
    client.force_login(supervisor)
    url = reverse("privacy:copy_release", args=[copy.pk])
    prefix = f"c{copy.pk.hex[:12]}"
    response = client.post(url, {f"{prefix}-decision": "decline"})
    assert response.status_code == 400  # a reason is needed
    assert "Explain to the client" in response.content.decode()
    client.post(
        url,
        {f"{prefix}-decision": "decline", f"{prefix}-reason": "Your clinician will call you."},
    )
    client.force_login(me)
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert "Your clinician will call you." in page
    assert client.get(reverse("privacy:copy_download", args=[copy.pk])).status_code == 302


def test_a_client_can_never_release_their_own_copy(client, treatment):
    me = treatment.client
    copy = SubjectAccessRequest.objects.create(
        client=me,
        requested_by=me,
        due_by=timezone.localdate(),
        release_state=ReleaseState.AWAITING,
    )
    client.force_login(me)
    response = client.post(reverse("privacy:copy_release", args=[copy.pk]), {"decision": "release"})
    assert response.status_code == 403
    with pytest.raises(IntegrityError), transaction.atomic():
        SubjectAccessRequest.objects.filter(pk=copy.pk).update(
            release_state=ReleaseState.RELEASED, released_by=me, released_at=timezone.now()
        )


def test_a_second_request_while_one_is_made_is_refused(client, treatment, supervisor):
    client.force_login(supervisor)
    url = reverse("privacy:copy_request", args=[treatment.client_id])
    client.post(url)  # the task is queued only after commit, which never comes here
    response = client.post(url, follow=True)
    assert "already being made" in response.content.decode()
    assert SubjectAccessRequest.objects.filter(client=treatment.client).count() == 1


def test_the_client_page_query_count_is_constant(client, two_clients, supervisor):
    mine, _theirs = two_clients
    client.force_login(supervisor)
    url = reverse("privacy:client", args=[mine.client_id])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for _ in range(3):
        SubjectAccessRequest.objects.create(
            client=mine.client,
            requested_by=supervisor,
            due_by=timezone.localdate(),
            status=SarStatus.EXPIRED,
        )
    assert count() == one == PAGE_QUERIES
