"""On PostgreSQL the database itself refuses to change or delete a ledger record.

Row triggers refuse UPDATE and DELETE of entries, dose draws, counts and their lines, and
inventories and their lines (21 CFR 1304.04: kept at least two years). This closes the paths
around the models' own refusal (a queryset built by hand, a direct SQL statement). Erasing a whole
database (``manage.py flush``) truncates tables, which row triggers do not see. SQLite keeps only
the models' refusal.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "controlled-substance records are append-only"
TABLES = (
    "controlled_entry",
    "controlled_dosedraw",
    "controlled_count",
    "controlled_countline",
    "controlled_inventory",
    "controlled_inventoryline",
)


def _install() -> list[str]:
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION controlled_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' on ' || TG_TABLE_NAME
                || ' refused';
        END
        $$
        """
    ]
    for table in TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION controlled_refuse_change()"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION controlled_refuse_change()"
        )
    return statements


def _remove() -> list[str]:
    statements = []
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
    statements.append("DROP FUNCTION IF EXISTS controlled_refuse_change()")
    return statements


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in _install():
            schema_editor.execute(sql)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in _remove():
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("controlled", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
