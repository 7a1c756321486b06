from __future__ import annotations

import sys
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from detoxdesk.directory import actions, importer
from detoxdesk.directory.management.commands._common import (
    acting_user,
    count_rows,
    existing_file,
    not_utf8,
)
from detoxdesk.directory.progress import Bar


class Command(BaseCommand):
    help = (
        "Import the resource directory from a CSV file. Use --dry-run first: it reports "
        "every refused row (line, column, problem) and saves nothing.\n\n"
        + (importer.__doc__ or "")
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, with a header row.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Save the valid rows even when some are refused (default: save nothing).",
        )
        parser.add_argument("--as-user", help="Record the import in the audit log as this user.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = existing_file(options["file"])
        user = acting_user(options["as_user"])
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                summary = actions.do_import_resources(
                    handle,
                    acting_user=user,
                    dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    total_rows=count_rows(path),
                    progress=Bar(sys.stderr),
                    source_name=path.name,
                )
        except (importer.LayoutError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise not_utf8(path, exc) from None
        for error in summary.errors:
            self.stderr.write(str(error))
        self.stdout.write(_summary_line(summary))
        if summary.errors and not summary.saved and not summary.dry_run:
            raise CommandError("Rows were refused, so nothing was saved (see above).")


def _summary_line(summary: importer.ImportSummary) -> str:
    mode = (
        "Dry run (nothing saved)"
        if summary.dry_run
        else ("Saved" if summary.saved else "Not saved")
    )
    return (
        f"{mode}: created {summary.created}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, rejected {summary.rejected}."
    )
