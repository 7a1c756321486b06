"""On PostgreSQL the database itself refuses to change or delete a signed note.

A row trigger refuses UPDATE and DELETE of a ``notes_note`` row stored as signed, closing the
paths around the model's own refusal (a queryset update, a direct SQL statement); a draft changes
freely until it is signed. Corrections are addenda. ``manage.py flush`` truncates, which row
triggers do not see. SQLite keeps only the model's refusal.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INSTALL = (
    """
    CREATE OR REPLACE FUNCTION notes_refuse_signed_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION USING MESSAGE = 'a signed note cannot change: ' || TG_OP
                || ' on notes_note refused';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    "CREATE TRIGGER notes_note_signed_locked BEFORE UPDATE OR DELETE ON notes_note"
    " FOR EACH ROW EXECUTE FUNCTION notes_refuse_signed_change()",
)
REMOVE = (
    "DROP TRIGGER IF EXISTS notes_note_signed_locked ON notes_note",
    "DROP FUNCTION IF EXISTS notes_refuse_signed_change()",
)


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in INSTALL:
            schema_editor.execute(sql)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in REMOVE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_notes_and_amendments")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
