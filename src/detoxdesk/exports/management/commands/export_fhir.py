"""manage.py export_fhir --patient RECORD_NUMBER --recipient NAME --purpose PURPOSE

Writes the FHIR R4 bundle of the patient's episode to standard output and exits 0 when a consent
covers the disclosure. Without a covering consent: exit 2, the reasons on standard error, nothing
on standard output, no disclosure recorded. Unknown patient or purpose: exit 1 with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.exports import door, lookup

REFUSED = 2


class Command(BaseCommand):
    help = "Write one episode as a FHIR R4 bundle, through the Part 2 disclosure door."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patient", required=True, metavar="RECORD_NUMBER")
        parser.add_argument("--recipient", required=True, metavar="NAME")
        parser.add_argument(
            "--purpose", required=True, help="treatment, payment, operations or patient_request"
        )
        parser.add_argument("--program", help="The program's name, when record numbers repeat.")
        parser.add_argument("--episode", metavar="UUID", help="Default: the latest episode.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            purpose = lookup.purpose(options["purpose"])
            patient = lookup.patient(options["patient"], options["program"])
            episode = lookup.episode(patient, options["episode"])
        except lookup.NotFound as exc:
            raise CommandError(str(exc)) from None
        try:
            _, bundle = door.disclose_bundle(
                user=None, episode=episode, recipient=options["recipient"], purpose=purpose
            )
        except DisclosureRefused as refused:
            raise CommandError(
                "Refused: " + " ".join(refused.reasons), returncode=REFUSED
            ) from None
        self.stdout.write(json.dumps(bundle, indent=2, ensure_ascii=False))
