"""The stable contract: manage.py accounting_of_disclosures --patient N --format csv."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures import actions
from factories_disclosures import make_consent

pytestmark = pytest.mark.django_db

COLUMNS = "disclosed_at,recipient,description,purpose,legal_basis,consent_id,disclosed_by"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("accounting_of_disclosures", *args, stdout=out)
    return out.getvalue()


def test_it_writes_exactly_the_contract_columns(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    actions.do_disclose(
        user=unit.nurse,
        patient=unit.patient,
        recipient="Harbor Primary Care",
        purpose="treatment",
        information="discharge_summary",
        description="Discharge summary",
    )
    actions.do_disclose_emergency(
        user=unit.nurse,
        patient=unit.patient,
        personnel="Dr Ruiz",
        personnel_facility="St Mary",
        nature="Overdose",
        information="chart",
    )
    actions.do_disclose(
        user=unit.nurse,
        patient=unit.patient,
        recipient="patient",
        purpose="patient_request",
        information="chart",
        description="Own copy",
    )
    text = _run("--patient", unit.patient.record_number, "--format", "csv")
    assert text.splitlines()[0] == COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["legal_basis"] for r in rows] == ["medical_emergency", "consent"]
    assert rows[1]["consent_id"] == str(consent.uuid)
    assert rows[1]["recipient"] == "Harbor Primary Care"
    assert rows[1]["purpose"] == "treatment"
    assert rows[0]["consent_id"] == ""
    assert rows[1]["disclosed_by"] == unit.nurse.display_name
    assert AuditEvent.objects.filter(event="disclosure.accounting_exported").count() == 1


def test_it_writes_the_header_alone_when_nothing_was_disclosed(unit) -> None:
    assert _run("--patient", unit.patient.record_number, "--format", "csv") == COLUMNS + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient", "NOPE-1", "--format", "csv"], "No patient has the record number"),
        (["--patient", " ", "--format", "csv"], "needs a record number"),
        (["--patient", "{mrn}", "--format", "xml"], "invalid choice"),
        (["--patient", "{mrn}"], "--format"),
        (["--format", "csv"], "--patient"),
        (["--patient", "{mrn}", "--format", "csv", "--since", "yesterday"], "is not a date"),
        (["--patient", "{mrn}", "--format", "csv", "--since", "2001-01-01"], "at most"),
    ],
)
def test_bad_arguments_name_the_problem(unit, args, message) -> None:
    args = [a.replace("{mrn}", unit.patient.record_number) for a in args]
    with pytest.raises(CommandError, match=message):
        _run(*args)
