"""``manage.py accounting_of_disclosures --patient RECORD_NUMBER --format csv``.

A stable contract: the columns are exactly ``COLUMNS``, newest first, for the period of 42 CFR
2.25 (three years, or from ``--since``). Bad arguments name the problem and exit non-zero.
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from detoxdesk.audit import log
from detoxdesk.disclosures import queries
from detoxdesk.disclosures.models import Disclosure
from detoxdesk.patients.models import Patient

COLUMNS = (
    "disclosed_at",
    "recipient",
    "description",
    "purpose",
    "legal_basis",
    "consent_id",
    "disclosed_by",
)


class Command(BaseCommand):
    help = (
        "Write a patient's accounting of disclosures (42 CFR 2.25) as CSV to standard output: "
        + ",".join(COLUMNS)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patient", required=True, help="The patient's record number.")
        parser.add_argument("--format", required=True, choices=["csv"], help="Output format.")
        parser.add_argument(
            "--since", help="First day (YYYY-MM-DD) of a shorter period than three years."
        )
        parser.add_argument("--program", help="Program name, when record numbers repeat.")

    def handle(self, *args: Any, **options: Any) -> None:
        patient = _patient(options["patient"], options.get("program"))
        since = _since(options.get("since"))
        entries = queries.accounting(patient, since=since)
        with transaction.atomic():
            log.record(
                "disclosure.accounting_exported",
                actor=None,
                patient=patient,
                changes={"format": "csv", "since": str(since or queries.default_since())},
            )
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for entry in entries.iterator(chunk_size=500):
            writer.writerow(row(entry))


def row(entry: Disclosure) -> list[str]:
    by = entry.disclosed_by
    return [
        timezone.localtime(entry.disclosed_at).isoformat(),
        entry.recipient,
        entry.description,
        entry.purpose,
        entry.legal_basis,
        str(entry.consent.uuid) if entry.consent else "",
        by.display_name if by else "command line",
    ]


def _patient(record_number: str, program: str | None) -> Patient:
    number = record_number.strip()
    if not number:
        raise CommandError("--patient needs a record number.")
    found = Patient.objects.filter(record_number=number).select_related("program")
    if program:
        found = found.filter(program__name=program)
    patients = list(found[:2])
    if not patients:
        raise CommandError(f"No patient has the record number {number!r}.")
    if len(patients) > 1:
        raise CommandError(
            f"The record number {number!r} is used in more than one program; add --program."
        )
    return patients[0]


def _since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        since = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD).") from None
    earliest = queries.default_since()
    if since < earliest:
        raise CommandError(f"--since may go back to {earliest.isoformat()} at most (three years).")
    if since > timezone.localdate():
        raise CommandError("--since is in the future.")
    return since
