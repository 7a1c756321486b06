"""``manage.py backup DIR``: one consistent backup of the database, written into DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from detoxdesk.audit.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database into DIR: an SQLite copy through its online backup API, or a "
        "pg_dump custom-format archive for PostgreSQL. Prints the file written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Where to write the backup (created if missing).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = backup(connections[options["database"]], Path(options["directory"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(written))
