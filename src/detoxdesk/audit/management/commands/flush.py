"""``manage.py flush``, which also erases the audit trail: development and tests only.

Django's ``flush`` empties every table, which the audit table's triggers refuse. The test suite
flushes after every transactional test, so this command lifts the triggers for the erase and
puts them back in the same transaction. In production it refuses: nothing erases the audit
trail of a running program.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from detoxdesk.audit import guard


class Command(flush.Command):
    help = f"{flush.Command.help} Erases the audit trail too; refused in production."

    def handle(self, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("flush would erase the audit trail: it is refused in production.")
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with guard.lifted(connection):
            super().handle(**options)
