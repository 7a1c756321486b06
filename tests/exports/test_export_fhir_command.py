"""The stable contract of ``manage.py export_fhir`` (issue 15), run as manage.py runs it."""

from __future__ import annotations

import json

import pytest
from django.core.management import ManagementUtility, base
from fhir.resources.R4B.bundle import Bundle

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures.models import Disclosure
from factories import make_patient
from factories_disclosures import make_consent
from factories_exports import add_history, admitted_patient

pytestmark = pytest.mark.django_db

HARBOR = "Harbor Primary Care"


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch) -> None:
    """manage.py closes every connection when a command ends; the test's own must stay open."""
    monkeypatch.setattr(base.connections, "close_all", lambda: None)


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command through manage.py's own entry point: exit status, stdout, stderr."""
    utility = ManagementUtility(["manage.py", "export_fhir", *args])
    code = 0
    try:
        utility.execute()
    except SystemExit as exit:
        code = int(exit.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def episode(unit):
    episode = admitted_patient(unit, record_number="HW-2001")
    add_history(unit, episode)
    return episode


def consent_fhir(unit, episode, **fields) -> None:
    fields.setdefault("information", ["fhir_bundle"])
    make_consent(unit.nurse, episode.patient, unit.ward, **fields)


def test_it_writes_the_bundle_and_exits_0_when_a_consent_covers_it(unit, episode, capsys) -> None:
    consent_fhir(unit, episode)
    code, out, err = run(
        capsys, "--patient", "HW-2001", "--recipient", HARBOR, "--purpose", "treatment"
    )
    assert (code, err) == (0, "")
    bundle = json.loads(out)
    Bundle.model_validate(bundle)
    disclosure = Disclosure.objects.get()
    assert disclosure.information == "fhir_bundle"
    assert disclosure.recipient == HARBOR
    assert bundle["id"] == str(disclosure.uuid)
    assert any(e["resource"]["resourceType"] == "Consent" for e in bundle["entry"])


@pytest.mark.parametrize(
    ("consent", "recipient", "purpose", "missing"),
    [
        (None, HARBOR, "treatment", "No consent"),
        ({"information": ["chart"]}, HARBOR, "treatment", "FHIR"),
        ({}, "Elsewhere Clinic", "treatment", "Elsewhere Clinic"),
        ({}, HARBOR, "payment", "payment"),
    ],
)
def test_it_refuses_with_exit_2_the_reason_on_stderr_and_nothing_on_stdout(
    unit, episode, capsys, consent, recipient, purpose, missing
) -> None:
    if consent is not None:
        consent_fhir(unit, episode, **consent)
    code, out, err = run(
        capsys, "--patient", "HW-2001", "--recipient", recipient, "--purpose", purpose
    )
    assert code == 2
    assert out == ""
    assert missing.lower() in err.lower()
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(event="disclosure.refused").count() == 1


def test_it_gives_the_patient_their_own_copy_without_a_consent_and_records_it(
    unit, episode, capsys
) -> None:
    code, out, _ = run(
        capsys, "--patient", "HW-2001", "--recipient", "patient", "--purpose", "patient_request"
    )
    assert code == 0
    Bundle.model_validate(json.loads(out))
    assert Disclosure.objects.get().legal_basis == Disclosure.LegalBasis.PATIENT_ACCESS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--patient", "NOPE-1", "--recipient", HARBOR, "--purpose", "treatment"),
            "No patient has the record number 'NOPE-1'",
        ),
        (
            ("--patient", "HW-2001", "--recipient", HARBOR, "--purpose", "marketing"),
            "'marketing' is not a purpose",
        ),
    ],
)
def test_it_names_an_unknown_patient_or_purpose(unit, episode, capsys, args, message) -> None:
    consent_fhir(unit, episode)
    code, out, err = run(capsys, *args)
    assert code == 1
    assert out == ""
    assert message in err
    assert not Disclosure.objects.exists()


def test_it_says_when_the_patient_has_no_episode(unit, capsys) -> None:
    make_patient(unit.program, record_number="HW-3001")
    code, out, err = run(
        capsys, "--patient", "HW-3001", "--recipient", "patient", "--purpose", "patient_request"
    )
    assert (code, out) == (1, "")
    assert "no episode" in err
