from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from detoxdesk.directory import actions, places
from detoxdesk.directory.importer import LayoutError
from detoxdesk.directory.management.commands._common import (
    acting_user,
    count_rows,
    existing_file,
    not_utf8,
)
from detoxdesk.directory.progress import Bar


class Command(BaseCommand):
    help = (
        "Import postcodes and places for distance search from a CSV file with the columns "
        "code,name,latitude,longitude (decimal degrees). Existing codes are updated. Any "
        "refused row means nothing is saved."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, with a header row.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")
        parser.add_argument("--as-user", help="Record the import in the audit log as this user.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = existing_file(options["file"])
        user = acting_user(options["as_user"])
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                summary = actions.do_import_places(
                    handle,
                    acting_user=user,
                    dry_run=options["dry_run"],
                    progress=Bar(sys.stderr),
                    total_rows=count_rows(path),
                )
        except (LayoutError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise not_utf8(path, exc) from None
        for error in summary.errors:
            self.stderr.write(str(error))
        mode = "Dry run (nothing saved)" if dry_run_or(summary) else "Saved"
        self.stdout.write(
            f"{mode}: created {summary.created}, updated {summary.updated}, "
            f"rejected {summary.rejected}."
        )
        if summary.errors and not summary.dry_run:
            raise CommandError("Rows were refused, so nothing was saved (see above).")


def dry_run_or(summary: places.PlaceSummary) -> bool:
    return summary.dry_run or not summary.saved
