"""`DataAccessLog` is append-only in PostgreSQL (the function is core's)."""

from django.db import migrations

from apps.core.audit import seal_existing as seal_existing_rows


def seal_existing(apps, schema_editor):
    seal_existing_rows(apps.get_model("trials", "DataAccessLog"))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS trials_dataaccesslog_append_only ON trials_dataaccesslog;"
        "CREATE TRIGGER trials_dataaccesslog_append_only BEFORE UPDATE OR DELETE "
        "ON trials_dataaccesslog FOR EACH ROW EXECUTE FUNCTION tandem_audit_append_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS trials_dataaccesslog_append_only ON trials_dataaccesslog;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0002_export_job_approval"),
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
