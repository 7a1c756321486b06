"""manage.py ehi_export (--patient RECORD_NUMBER | --all) --out DIR [--force]
[--recipient NAME --purpose PURPOSE]

Everything Detox Desk holds about one patient (or, with --all, the whole database) as one JSON
file per kind of record, a manifest and a README documenting every field (ONC 170.315(b)(10)).
A patient's export is a disclosure: to the patient by default, otherwise only when a consent
covers the recipient and purpose (exit 2 with the reasons, nothing written, when none does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from detoxdesk.audit import log
from detoxdesk.disclosures.actions import do_disclose
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.information import PATIENT, Information, Purpose
from detoxdesk.exports import ehi, ehi_files, lookup
from detoxdesk.patients.models import Patient

REFUSED = 2


class Command(BaseCommand):
    help = "Export all electronic health information of a patient, or of every patient (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--patient", metavar="RECORD_NUMBER")
        scope.add_argument("--all", action="store_true", help="The whole database.")
        parser.add_argument("--out", required=True, metavar="DIR")
        parser.add_argument("--force", action="store_true", help="Replace a non-empty DIR.")
        parser.add_argument("--program", help="The program's name, when record numbers repeat.")
        parser.add_argument("--recipient", default=PATIENT, help='Default: "patient".')
        parser.add_argument("--purpose", help="Default for the patient: patient_request.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"]).expanduser().absolute()
        try:
            if options["all"]:
                manifest = self._everything(out, options["force"])
            else:
                manifest = self._one_patient(out, options)
        except (lookup.NotFound, ehi_files.ExportProblem) as exc:
            raise CommandError(str(exc)) from None
        except DisclosureRefused as refused:
            raise CommandError(
                "Refused: " + " ".join(refused.reasons), returncode=REFUSED
            ) from None
        total = sum(manifest["files"].values())
        self.stdout.write(f"Wrote {total} records in {len(manifest['files'])} files to {out}.")

    def _one_patient(self, out: Path, options: dict[str, Any]) -> dict[str, Any]:
        patient = lookup.patient(options["patient"], options["program"])
        recipient = options["recipient"]
        default = Purpose.PATIENT_REQUEST if recipient == PATIENT else None
        purpose = options["purpose"] or default
        if purpose is None:
            raise lookup.NotFound("Name the purpose of a disclosure to someone else (--purpose).")
        purpose = lookup.purpose(purpose)
        ehi_files.check_target(out, options["force"])

        def disclose(counts: dict[str, int]) -> dict[str, Any]:
            disclosure = do_disclose(
                user=None,
                patient=patient,
                recipient=recipient,
                purpose=purpose,
                information=Information.EHI_EXPORT,
                description="Full electronic health information export",
            )
            return {
                **_manifest("patient", counts),
                "patient": {"record_number": patient.record_number, "uuid": str(patient.uuid)},
                "disclosure": {
                    "id": str(disclosure.uuid),
                    "recipient": disclosure.recipient,
                    "purpose": disclosure.purpose,
                    "notice": disclosure.notice,
                    "consent_copy": disclosure.consent_copy,
                },
            }

        kinds = [*ehi.patient_kinds(), *ehi.context_kinds()]
        heading = f"Electronic health information of {patient.full_name} ({patient.record_number})"
        return ehi_files.write_export(
            out,
            kinds=kinds,
            patient=patient,
            heading=heading,
            force=options["force"],
            finish=disclose,
        )

    def _everything(self, out: Path, force: bool) -> dict[str, Any]:
        def record(counts: dict[str, int]) -> dict[str, Any]:
            with transaction.atomic():
                log.record(
                    "ehi.exported_all",
                    actor=None,
                    changes={"files": len(counts), "records": sum(counts.values())},
                )
            return _manifest("all", counts)

        return ehi_files.write_export(
            out,
            kinds=ehi.all_kinds(),
            patient=None,
            heading="Electronic health information of every patient (whole database)",
            force=force,
            finish=record,
        )


def _manifest(scope: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "format": "detoxdesk-ehi-export/1",
        "scope": scope,
        "exported_at": timezone.now().isoformat(),
        "patients": Patient.objects.count() if scope == "all" else 1,
        "files": counts,
    }
