"""The database itself refuses to change or remove an audit event.

PostgreSQL: row triggers refuse UPDATE and DELETE of ``audit_auditevent`` and a statement
trigger refuses TRUNCATE. SQLite: row triggers refuse UPDATE and DELETE (SQLite has no
TRUNCATE). This closes every path around the model's own guard, such as
``models.QuerySet(AuditEvent).update()`` or a direct SQL statement. A database owner can still
drop the triggers; ``verify_audit`` is the check that catches what happens then.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "audit events are append-only"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_auditevent_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- No format placeholder: the schema editor passes the text through a driver that
        -- would read one as a parameter.
        RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' on audit_auditevent refused';
    END
    $$
    """,
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent"
    " FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent"
    " FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()",
    "CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_change()",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse_change()",
]
SQLITE_INSTALL = [
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent"
    f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on audit_auditevent refused'); END",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent"
    f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on audit_auditevent refused'); END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
]

STATEMENTS = {
    "postgresql": (POSTGRES_INSTALL, POSTGRES_REMOVE),
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
}


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(sql)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
