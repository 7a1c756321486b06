"""``manage.py ehi_export``: every record of the patient, the audit trail included, each field
documented in the README; --all; through the disclosure door; atomic and refusing to overwrite."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, base

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures.models import Disclosure
from detoxdesk.exports import ehi, ehi_files
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
    utility = ManagementUtility(["manage.py", "ehi_export", *args])
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
    add_history(unit, episode, readings=2)
    return episode


def records(folder: Path, kind: str) -> list[dict]:
    data = json.loads((folder / f"{kind}.json").read_text())
    assert data["count"] == len(data["records"])
    return data["records"]


def documented(folder: Path) -> dict[str, set[str]]:
    """The fields the README documents, per file."""
    found: dict[str, set[str]] = {}
    current = None
    for line in (folder / "README.md").read_text().splitlines():
        if line.startswith("## "):
            current = found.setdefault(line[3:].strip(), set())
        match = re.match(r"^\| `([a-z_0-9]+)` \| [^|]+ \| .+\|$", line)
        if match and current is not None:
            current.add(match.group(1))
    return found


def test_every_model_is_a_patient_record_or_listed_as_not_one() -> None:
    assert ehi.unclassified() == []


def test_it_exports_every_record_of_the_patient_and_only_theirs(
    unit, episode, capsys, tmp_path
) -> None:
    other = admitted_patient(unit, record_number="HW-9999")
    add_history(unit, other)
    patient = episode.patient
    # What the database holds before the export (the export's own disclosure event comes after).
    expected = {
        kind.label: set(
            kind.model._default_manager.filter(**{kind.patient_path: patient.pk}).values_list(
                "pk", flat=True
            )
        )
        for kind in ehi.patient_kinds()
    }
    out = tmp_path / "export"
    code, stdout, err = run(capsys, "--patient", "HW-2001", "--out", str(out))
    assert (code, err) == (0, ""), err
    assert "Wrote" in stdout
    for label, ids in expected.items():
        assert {row["id"] for row in records(out, label)} == ids, label
    assert {row["id"] for row in records(out, "patients.patient")} == {patient.pk}
    assert records(out, "monitoring.assessment") and records(out, "medications.administration")


def test_it_includes_the_audit_trail(unit, episode, capsys, tmp_path) -> None:
    out = tmp_path / "export"
    assert run(capsys, "--patient", "HW-2001", "--out", str(out))[0] == 0
    events = {row["event"] for row in records(out, "audit.auditevent")}
    assert {"assessment.recorded", "vitals.recorded", "episode.admitted"} <= events


def test_it_documents_every_exported_field_in_the_readme(unit, episode, capsys, tmp_path) -> None:
    out = tmp_path / "export"
    assert run(capsys, "--patient", "HW-2001", "--out", str(out))[0] == 0
    docs = documented(out)
    files = sorted(p.name for p in out.glob("*.json") if p.name != "manifest.json")
    assert files and set(files) <= set(docs)
    for name in files:
        data = json.loads((out / name).read_text())
        for row in data["records"]:
            assert set(row) <= docs[name], (name, set(row) - docs[name])


def test_it_never_writes_secrets(unit, episode, capsys, tmp_path) -> None:
    out = tmp_path / "all"
    assert run(capsys, "--all", "--out", str(out))[0] == 0
    users = records(out, "accounts.user")
    assert users and all("password" not in row for row in users)
    assert "password" not in documented(out)["accounts.user.json"]


def test_it_records_the_export_as_a_disclosure_to_the_patient(
    unit, episode, capsys, tmp_path
) -> None:
    out = tmp_path / "export"
    assert run(capsys, "--patient", "HW-2001", "--out", str(out))[0] == 0
    disclosure = Disclosure.objects.get()
    assert (disclosure.recipient, disclosure.purpose, disclosure.information) == (
        "patient",
        "patient_request",
        "ehi_export",
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["disclosure"]["id"] == str(disclosure.uuid)


def test_it_exports_to_someone_else_only_under_a_consent(unit, episode, capsys, tmp_path) -> None:
    out = tmp_path / "export"
    code, stdout, err = run(
        capsys,
        "--patient",
        "HW-2001",
        "--out",
        str(out),
        "--recipient",
        HARBOR,
        "--purpose",
        "treatment",
    )
    assert code == 2
    assert "No consent" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert not Disclosure.objects.exists()
    make_consent(unit.nurse, episode.patient, unit.ward, information=["ehi_export"])
    code, _, err = run(
        capsys,
        "--patient",
        "HW-2001",
        "--out",
        str(out),
        "--recipient",
        HARBOR,
        "--purpose",
        "treatment",
    )
    assert code == 0, err
    assert Disclosure.objects.get().recipient == HARBOR
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["disclosure"]["notice"]
    assert manifest["disclosure"]["consent_copy"]["consent"]["recipients"] == HARBOR


def test_it_asks_for_the_purpose_of_a_disclosure_to_someone_else(
    unit, episode, capsys, tmp_path
) -> None:
    code, _, err = run(
        capsys, "--patient", "HW-2001", "--out", str(tmp_path / "x"), "--recipient", HARBOR
    )
    assert code == 1 and "--purpose" in err


def test_it_refuses_a_folder_that_is_not_empty_unless_forced(
    unit, episode, capsys, tmp_path
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "--patient", "HW-2001", "--out", str(out))
    assert code == 1 and "not empty" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not Disclosure.objects.exists()
    assert run(capsys, "--patient", "HW-2001", "--out", str(out), "--force")[0] == 0
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_it_leaves_nothing_when_writing_fails(unit, episode, capsys, tmp_path, monkeypatch) -> None:
    def broken(kind, patient):
        yield {"id": 1}
        raise OSError("disk full")

    monkeypatch.setattr(ehi, "stream", broken)
    with pytest.raises(OSError, match="disk full"):
        ehi_files.write_export(
            tmp_path / "export",
            kinds=ehi.patient_kinds(),
            patient=episode.patient,
            heading="x",
            force=False,
            finish=lambda counts: {},
        )
    assert list(tmp_path.iterdir()) == []


def test_it_names_an_unknown_patient(unit, capsys, tmp_path) -> None:
    code, out, err = run(capsys, "--patient", "NOPE", "--out", str(tmp_path / "x"))
    assert code == 1 and "No patient has the record number 'NOPE'" in err
    assert list(tmp_path.iterdir()) == []


def test_all_exports_every_row_of_every_model_in_the_same_format(
    unit, episode, capsys, tmp_path
) -> None:
    make_patient(unit.program, record_number="HW-5000")
    counts = {m._meta.label_lower: m._default_manager.count() for m in ehi.own_models()}
    out = tmp_path / "all"
    code, _, err = run(capsys, "--all", "--out", str(out))
    assert code == 0, err
    for label, count in counts.items():
        if label != "audit.auditchainhead":  # moves on with the export's own audit event
            assert len(records(out, label)) == count, label
    assert len(records(out, "patients.patient")) == 2 + 1  # the unit's patient, HW-2001, HW-5000
    assert json.loads((out / "manifest.json").read_text())["scope"] == "all"
    assert AuditEvent.objects.filter(event="ehi.exported_all").count() == 1


@pytest.mark.parametrize("readings", [1, 3])
def test_it_streams_each_table_in_a_fixed_number_of_queries(
    unit, readings, tmp_path, django_assert_max_num_queries
) -> None:
    episode = admitted_patient(unit)
    add_history(unit, episode, readings)
    kinds = ehi.patient_kinds()
    with django_assert_max_num_queries(len(kinds) + 2):
        ehi_files.write_export(
            tmp_path / f"e{readings}",
            kinds=kinds,
            patient=episode.patient,
            heading="x",
            force=False,
            finish=lambda counts: {},
        )
