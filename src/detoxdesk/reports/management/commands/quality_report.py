"""``manage.py quality_report --from DATE --to DATE [--facility UUID] --format json|csv``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detoxdesk.patients.models import Facility
from detoxdesk.reports import export, scope
from detoxdesk.reports.queries import build_report


class Command(BaseCommand):
    help = "Print the program quality report for a date range (JSON or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--facility", help="One facility's UUID (all facilities by default).")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rng = scope.make_range(
                scope.parse_date(options["start"], "from"), scope.parse_date(options["end"], "to")
            )
            ids, _ = scope.facility_ids(list(Facility.objects.all()), options.get("facility"))
        except scope.BadInput as exc:
            raise CommandError(str(exc)) from None
        report = build_report(rng, ids)
        if options["format"] == "csv":
            self.stdout.write(export.as_csv(report), ending="")
        else:
            self.stdout.write(json.dumps(export.as_json(report), indent=2))
