"""Refuse UPDATE and DELETE of audit rows in the database itself.

PostgreSQL: row triggers on UPDATE and DELETE (TRUNCATE, a DBA's retention tool and the test
runner's flush, stays possible). SQLite: a trigger on UPDATE only, because Django's test flush
deletes rows one table at a time; deletes are refused by the model and queryset there.
"""

from django.db import migrations

TABLES = ["core_changelogentry", "core_accesslogentry"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION jiedu_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only (%%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION jiedu_audit_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
