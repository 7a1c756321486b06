"""``manage.py controlled_substances_log [--facility UUID] --from YYYY-MM-DD --to YYYY-MM-DD
--format csv``: the dispensing log of 21 CFR 1304.24(a) (a stable contract)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from detoxdesk.audit import log
from detoxdesk.controlled import queries, report
from detoxdesk.patients.models import Facility


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date written YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Write the controlled-substance dispensing log (21 CFR 1304.24(a)) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility", help="A facility's UUID (every facility if omitted).")
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--format", default="csv", help="Only csv.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] != "csv":
            raise CommandError(f"--format must be csv, not {options['format']!r}.")
        first = _day(options["first"], "from")
        last = _day(options["last"], "to")
        if last < first:
            raise CommandError("--to is before --from.")
        facilities = Facility.objects.select_related("program").order_by("name")
        chosen: Facility | None = None
        if options["facility"]:
            try:
                wanted = uuid.UUID(options["facility"])
            except ValueError:
                raise CommandError(
                    f"--facility must be a facility's UUID, not {options['facility']!r}."
                ) from None
            chosen = facilities.filter(uuid=wanted).first()
            if chosen is None:
                raise CommandError(f"No facility has the UUID {wanted}.")
        entries = queries.log_entries([chosen] if chosen else list(facilities), first, last)
        written = report.write(entries.iterator(chunk_size=500), self.stdout)
        with transaction.atomic():
            log.record(
                "controlled.log_exported",
                actor=None,
                facility=chosen,
                changes={
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "rows": written,
                    "via": "controlled_substances_log",
                },
            )
