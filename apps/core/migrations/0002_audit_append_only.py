"""Audit tables are append-only in PostgreSQL: UPDATE and DELETE raise.

A trigger, not only a revoked privilege, so that the rule holds for every role
that can write, including the app's own (the REVOKE in docs/audit.md is the
second lock). TRUNCATE is not trapped here because test databases are flushed
with it; revoke TRUNCATE from the app's role instead. SQLite: nothing."""

from django.db import migrations

from apps.core.audit import seal_existing as seal_existing_rows

TABLES = ["auditlog_logentry", "core_accessevent", "core_accesssubject", "core_auditseal"]

FUNCTION = """
CREATE OR REPLACE FUNCTION tandem_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def trigger_sql(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION tandem_audit_append_only();"
    )


def seal_existing(apps, schema_editor):
    # Entries written before the chain existed become its first links.
    seal_existing_rows(apps.get_model("auditlog", "LogEntry"))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(trigger_sql(table))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_trail"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
