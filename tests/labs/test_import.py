"""The CSV import of results: a check lists each refused row with its column; nothing is saved
while any row is refused; the rows saved go through the same door as a form."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.labs import actions, importer
from detoxdesk.labs.models import Result
from detoxdesk.medications.models import PatientFacts
from factories import make_episode

pytestmark = pytest.mark.django_db

HEADER = "record_number,test,specimen,specimen_time,method,fentanyl,opiates,qtc,alcohol\n"


def _csv(unit, *rows: str) -> str:
    return HEADER + "".join(row.replace("MRN", unit.patient.record_number) + "\n" for row in rows)


def _import(unit, text: str, *, dry_run: bool = False, user=None):
    return actions.do_import_results(
        io.StringIO(text), facility=unit.ward, acting_user=user or unit.prescriber, dry_run=dry_run
    )


GOOD = [
    "MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,positive,negative,,",
    "MRN,ECG (QTc),ecg,2026-03-02T08:30:00-05:00,laboratory,,,512,",
    "MRN,alcohol,breath,2026-03-02 07:00,point_of_care,,,,negative",
]


def test_it_checks_then_imports_and_feeds_the_facts(unit):
    checked = _import(unit, _csv(unit, *GOOD), dry_run=True)
    assert (checked.created, checked.rejected, checked.saved) == (3, 0, False)
    assert not Result.objects.exists()
    summary = _import(unit, _csv(unit, *GOOD))
    assert (summary.created, summary.saved) == (3, True)
    assert set(Result.objects.values_list("origin", flat=True)) == {"import"}
    facts = PatientFacts.objects.get(episode=unit.episode)
    assert (facts.fentanyl_exposure, facts.qtc_ms) == (True, 512)
    assert AuditEvent.objects.filter(event="lab_result.recorded").count() == 3
    assert AuditEvent.objects.filter(event="lab_result.imported").count() == 1


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            "NOBODY,urine_drug_screen,urine,2026-03-02 08:00,poc,positive,,,",
            "record_number",
            "No patient",
        ),
        ("MRN,hair,urine,2026-03-02 08:00,poc,positive,,,", "test", "Choose a test"),
        (
            "MRN,urine_drug_screen,blood,2026-03-02 08:00,poc,positive,,,",
            "specimen",
            "Choose the specimen",
        ),
        ("MRN,urine_drug_screen,urine,yesterday,poc,positive,,,", "specimen_time", "Not a date"),
        ("MRN,urine_drug_screen,urine,2026-03-09 08:00,poc,positive,,,", "specimen_time", "future"),
        (
            "MRN,urine_drug_screen,urine,2026-03-02 08:00,mail,positive,,,",
            "method",
            "point_of_care",
        ),
        (
            "MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,maybe,,,",
            "fentanyl",
            "positive or negative",
        ),
        (
            "MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,positive,,450,",
            "qtc",
            "does not report qtc",
        ),
        ("MRN,ecg,ecg,2026-03-02 08:00,lab,,,90,", "qtc", "from 200 to 800"),
        ("MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,,,,", "fentanyl", "at least one"),
        (",urine_drug_screen,urine,2026-03-02 08:00,poc,positive,,,", "record_number", "required"),
        ("MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,positive,,,,extra", "", "More values"),
    ],
)
def test_it_refuses_a_bad_row_naming_line_and_column_and_saves_nothing(unit, row, column, message):
    summary = _import(unit, _csv(unit, GOOD[0], row))
    assert (summary.created, summary.rejected, summary.saved) == (1, 1, False)
    [error] = summary.errors
    assert (error.line, error.column) == (3, column)
    assert message in error.message
    assert not Result.objects.exists()
    assert not PatientFacts.objects.exists()


def test_it_refuses_a_repeat_in_the_file_and_a_result_already_recorded(unit):
    summary = _import(unit, _csv(unit, GOOD[0], GOOD[0]))
    assert [str(e) for e in summary.errors] == [
        "line 3, column specimen_time: Duplicate of line 2."
    ]
    _import(unit, _csv(unit, GOOD[0]))
    again = _import(unit, _csv(unit, GOOD[0]))
    assert [e.message for e in again.errors] == ["This result is already recorded."]
    assert Result.objects.count() == 1


def test_it_finds_only_patients_admitted_at_the_facility(unit):
    elsewhere = make_episode(unit.other)
    text = (
        HEADER
        + f"{elsewhere.patient.record_number},alcohol,breath,2026-03-02 07:00,poc,,,,positive\n"
    )
    [error] = _import(unit, text).errors
    assert error.column == "record_number"


def test_it_refuses_a_wrong_header(unit):
    with pytest.raises(
        importer.LayoutError,
        match="missing required column\\(s\\): method; unknown column\\(s\\): thc",
    ):
        _import(unit, "record_number,test,specimen,specimen_time,thc\n")


def test_only_prescribers_import(unit):
    with pytest.raises(PermissionDenied):
        _import(unit, _csv(unit, *GOOD), user=unit.nurse)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("prescriber", 200), ("nurse", 403), ("director", 403), ("auditor", 403), ("outsider", 403)],
)
def test_who_may_open_the_import_page(unit, as_user, persona, status):
    assert as_user(getattr(unit, persona)).get(reverse("labs:import")).status_code == status


def test_the_page_checks_lists_refusals_and_imports(unit, as_user):
    client = as_user(unit.prescriber)
    url = reverse("labs:import")

    def post(text: str, button: str):
        upload = SimpleUploadedFile("results.csv", text.encode(), content_type="text/csv")
        return client.post(url, {"facility": unit.ward.pk, "file": upload, button: ""})

    bad = _csv(unit, GOOD[0], "MRN,urine_drug_screen,urine,2026-03-02 08:00,poc,maybe,,,")
    page = post(bad, "import").content.decode()
    assert "line 3, column fentanyl: Fentanyl: give positive or negative." in page
    assert "Nothing was saved" in page and not Result.objects.exists()
    assert "3 rows ready, 0 refused" in post(_csv(unit, *GOOD), "check").content.decode()
    assert not Result.objects.exists()
    response = post(_csv(unit, *GOOD), "import")
    assert response.status_code == 302 and Result.objects.count() == 3
    header = post("name,test\n", "check")
    assert "missing required column(s)" in header.content.decode()
