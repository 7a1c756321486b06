"""The database's refusal to change audit events (migration 0003), and the one way to lift it.

Lifting is for erasing a whole database (``manage.py flush``, which the test suite runs after
each transactional test) and for tests that tamper with the log on purpose to prove that
``verify_audit`` notices. It happens in a transaction (a savepoint inside the caller's) and is
undone at the end of the block; on error the rollback undoes it, since both databases roll back
trigger changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"


def trigger_names(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the enabled triggers guarding the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
                " AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within this block and transaction, the database lets audit rows change or go."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key check: run the pending ones now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            # SQLite cannot disable a trigger: keep its text, drop it, and create it again.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            yield
