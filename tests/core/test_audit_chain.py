"""The audit trail is append-only in PostgreSQL, chained, verifiable, and
copies no clinical text."""

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.core.audit import CLINICAL_TEXT_MASK
from apps.core.models import AccessEvent, AuditSeal
from apps.trials.models import AccessAction
from apps.trials.services import data_access_record
from tests.care.factories import SessionNoteFactory
from tests.tracking.factories import GoalFactory


@pytest.fixture
def trail(postgres, client, pwp, treatment, trial_manager):
    """One row in each audit table: a change, a read, a research read."""
    note = SessionNoteFactory(treatment=treatment, text="Talked about the divorce")
    client.force_login(pwp)
    assert client.get(f"/care/clients/{treatment.pk}/").status_code == 200
    data_access_record(user=trial_manager, action=AccessAction.API_READ, resource="events")
    return {
        "change": LogEntry.objects.get_for_object(note).latest("pk"),
        "read": AccessEvent.objects.latest("pk"),
        "research": trial_manager.data_access_logs.latest("pk"),
    }


def _tamper(sql: str, params=()) -> None:
    """What someone with direct database access could do, triggers off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["change", "read", "research"])
def test_audit_rows_cannot_be_updated_or_deleted(trail, kind):
    row = trail[kind]
    model = type(row)
    for attempt in (
        lambda: model.objects.filter(pk=row.pk).update(id=row.pk),
        lambda: model.objects.filter(pk=row.pk)._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_the_chain_links_every_audit_row_and_verifies(trail, capsys):
    sealed = set(AuditSeal.objects.values_list("source", "row_id"))
    assert ("auditlog.logentry", str(trail["change"].pk)) in sealed
    assert ("core.accessevent", str(trail["read"].pk)) in sealed
    assert ("trials.dataaccesslog", str(trail["research"].pk)) in sealed
    call_command("audit_verify")
    assert "Audit chain intact" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_changed_row_is_reported(trail):
    read = trail["read"]
    _tamper("UPDATE core_accessevent SET actor_id = NULL WHERE id = %s", [read.pk])
    with pytest.raises(CommandError, match=rf"core.accessevent row {read.pk}\).*changed"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_deleted_row_is_reported(trail):
    research = trail["research"]
    _tamper("DELETE FROM trials_dataaccesslog WHERE id = %s", [research.pk])
    with pytest.raises(CommandError, match=rf"trials.dataaccesslog row {research.pk}\).*missing"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_rewritten_link_is_reported(trail):
    first = AuditSeal.objects.order_by("seq").first()
    _tamper("UPDATE core_auditseal SET digest = %s WHERE seq = %s", ["0" * 64, first.seq])
    with pytest.raises(CommandError, match=rf"link {first.seq} .*hash does not match"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_row_slipped_in_without_the_app_is_reported(trail, trial_manager):
    _tamper(
        "INSERT INTO trials_dataaccesslog"
        " (user_id, at, action, resource, scope, purpose, via_token)"
        " VALUES (%s, now(), 'api_read', 'events', '{}', '', false)",
        [trial_manager.pk],
    )
    with pytest.raises(CommandError, match="never sealed"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_changes_to_clinical_text_record_the_field_not_the_words(client_user, treatment):
    note = SessionNoteFactory(treatment=treatment, text="First words about the divorce")
    note.text = "Second words about the funeral"
    note.save()
    goal = GoalFactory(client=client_user, treatment=treatment, title="Call my sister Zelda")
    goal.title = "Call my brother Ernest"
    goal.save()
    entries = list(LogEntry.objects.get_for_object(note)) + list(
        LogEntry.objects.get_for_object(goal)
    )
    assert entries
    everything = " ".join(
        f"{e.changes} {e.changes_text} {e.object_repr} {e.serialized_data}" for e in entries
    )
    for words in ("divorce", "funeral", "Zelda", "Ernest"):
        assert words not in everything
    update = LogEntry.objects.get_for_object(goal).filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes["title"] == [CLINICAL_TEXT_MASK, CLINICAL_TEXT_MASK]
