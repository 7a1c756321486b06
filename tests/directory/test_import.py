from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from detoxdesk.audit.models import AuditEvent
from detoxdesk.directory import actions, importer
from detoxdesk.directory.models import Resource
from factories_directory import csv_text, make_resource

pytestmark = pytest.mark.django_db

GOOD = (
    "r1,Harbor OTP,opioid_treatment_program,1 Main St,Boston,MA,02108,42.3601,-71.0589,"
    "617-555-0100,methadone; Counseling,English;Spanish,medicaid,yes,2026-10-01"
)
GOOD2 = "r2,Hope Line,Hotline,,,,,,,988,,,,,"


def run(text, **kwargs):
    kwargs.setdefault("acting_user", None)
    kwargs.setdefault("dry_run", False)
    return actions.do_import_resources(io.StringIO(text), **kwargs)


def test_it_imports_rows_and_normalises_them():
    summary = run(csv_text(GOOD, GOOD2))
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (2, 0, 0, 0)
    otp = Resource.objects.get(external_id="r1")
    assert otp.kind == "opioid_treatment_program"
    assert otp.services == ["counseling", "methadone"]
    assert otp.tag_index == "|s:counseling|s:methadone|l:english|l:spanish|p:medicaid|"
    assert otp.last_verified_on == date(2026, 10, 1)
    assert str(otp.latitude) == "42.360100"
    assert Resource.objects.get(external_id="r2").kind == "hotline"
    assert AuditEvent.objects.get(event="resource.imported").changes["created"] == 2


def test_a_dry_run_reports_counts_and_saves_nothing():
    make_resource(external_id="r2", name="Hope Line", kind="hotline", phone="988")
    summary = run(csv_text(GOOD, GOOD2), dry_run=True)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 1)
    assert not summary.saved
    assert Resource.objects.count() == 1
    assert not AuditEvent.objects.filter(event="resource.imported").exists()


def test_it_updates_by_external_id_and_counts_unchanged():
    run(csv_text(GOOD, GOOD2))
    changed = GOOD.replace("617-555-0100", "617-555-0199")
    summary = run(csv_text(changed, GOOD2))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert Resource.objects.get(external_id="r1").phone == "617-555-0199"
    assert Resource.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("r9,X,spaceship,,,,,,,,,,,,", "type", "Unknown type"),
        ("r9,X,hotline,,,,,95,10,,,,,,", "latitude", "between -90 and 90"),
        ("r9,X,hotline,,,,,10,-181,,,,,,", "longitude", "between -180 and 180"),
        ("r9,X,hotline,,,,,ten,10,,,,,,", "latitude", "not a number"),
        ("r9,X,hotline,,,,,10,,,,,,,", "longitude", "both latitude and longitude"),
        (",X,hotline,,,,,,,,,,,,", "external_id", "required"),
        ("r9,,hotline,,,,,,,,,,,,", "name", "required"),
        ("r9,X,,,,,,,,,,,,,", "type", "required"),
        ("r9,X,hotline,,,,,,,,,,,maybe,", "accepting_new_patients", "yes or no"),
        ("r9,X,hotline,,,,,,,,,,,,2026-13-01", "last_verified", "not a date"),
        ("r1,Other,hotline,,,,,,,,,,,,", "external_id", "Duplicate of line 2"),
        (
            "r9,harbor otp,opioid_treatment_program,1 Main St,Boston,MA,02108,,,,,,,,",
            "name",
            "Duplicate of line 2",
        ),
        ("r9,X,hotline,,,,,,,,,,,,,extra", "", "More values"),
    ],
)
def test_it_refuses_bad_rows_with_line_column_and_message(row, column, message):
    summary = run(csv_text(GOOD, row))
    assert summary.rejected == 1
    error = summary.errors[0]
    assert (error.line, error.column) == (3, column)
    assert message in error.message
    assert not summary.saved
    assert Resource.objects.count() == 0  # one refused row: nothing is saved


def test_it_saves_the_valid_rows_when_asked_to_skip_invalid_ones():
    summary = run(csv_text(GOOD, "r9,X,spaceship,,,,,,,,,,,,"), skip_invalid=True)
    assert summary.saved and summary.rejected == 1
    assert list(Resource.objects.values_list("external_id", flat=True)) == ["r1"]


def test_it_refuses_a_file_with_a_wrong_header():
    with pytest.raises(importer.LayoutError, match="missing required column"):
        run("id,name\n1,x\n")
    with pytest.raises(importer.LayoutError, match="unknown column"):
        run(csv_text(header="external_id,name,type,colour"))


def test_it_refuses_a_user_without_the_capability(unit):
    with pytest.raises(PermissionDenied):
        run(csv_text(GOOD), acting_user=unit.nurse)
    assert run(csv_text(GOOD), acting_user=unit.counselor).saved


def test_the_command_prints_errors_a_progress_bar_and_a_summary(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text(csv_text(GOOD, "r9,X,spaceship,,,,,,,,,,,,"))
    call_command("import_resources", str(path), "--dry-run")
    out, err = capsys.readouterr()
    assert "Dry run (nothing saved): created 1, updated 0, unchanged 0, rejected 1." in out
    assert "line 3, column type: Unknown type 'spaceship'" in err
    assert "[##############################]" in err
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_resources", str(path))
    assert Resource.objects.count() == 0
    call_command("import_resources", str(path), "--skip-invalid")
    assert Resource.objects.count() == 1


def test_the_places_command_imports_postcodes(tmp_path, capsys):
    from detoxdesk.directory.models import Place

    path = tmp_path / "p.csv"
    path.write_text("code,name,latitude,longitude\n10007,New York,40.7128,-74.0060\n")
    call_command("import_places", str(path))
    assert Place.objects.get(code="10007").name == "New York"
    path.write_text("code,name,latitude,longitude\n10007,NYC,40.7128,-74.0060\nX,Bad,99,0\n")
    with pytest.raises(CommandError):
        call_command("import_places", str(path))
    assert Place.objects.get(code="10007").name == "New York"


LATIN1 = {
    "import_resources": (csv_text(GOOD), "Harbor OTP", "Centro São Paulo"),
    "import_places": ("code,name,latitude,longitude\n10007,NY,40.7,-74.0\n", "NY", "São Paulo"),
}


@pytest.mark.parametrize("command", list(LATIN1))
def test_the_commands_refuse_a_file_that_is_not_utf8_and_save_nothing(tmp_path, command):
    from detoxdesk.directory.models import Place

    text, name, accented = LATIN1[command]
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.replace(name, accented).encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text .*Nothing was saved"):
        call_command(command, str(path))
    assert not Resource.objects.exists() and not Place.objects.exists()
