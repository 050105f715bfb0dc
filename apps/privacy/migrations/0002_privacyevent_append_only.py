"""`PrivacyEvent` is append-only in PostgreSQL (the function is core's)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS privacy_privacyevent_append_only ON privacy_privacyevent;"
        "CREATE TRIGGER privacy_privacyevent_append_only BEFORE UPDATE OR DELETE "
        "ON privacy_privacyevent FOR EACH ROW EXECUTE FUNCTION tandem_audit_append_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS privacy_privacyevent_append_only ON privacy_privacyevent;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("core", "0002_audit_append_only"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
