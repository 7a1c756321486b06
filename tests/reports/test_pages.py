"""The report page, its CSV, the command and the drill-down list: same figures, access, audit."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.reports.measures import render_markdown
from factories_reports import stay

NOW = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
RANGE = {"from": "2026-01-01", "to": "2026-01-31"}
CONTRACT_KEYS = [
    "admissions",
    "discharges_completed",
    "discharges_ama",
    "discharges_transferred",
    "discharges_administrative",
    "moud_at_discharge",
    "naloxone_at_discharge",
    "warm_handoff_72h",
    "followup_7d_reached",
    "followup_30d_reached",
    "readmission_30d",
    "assessments_on_time",
]


def at(day: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, 15, 0, tzinfo=UTC)


def seed(unit, n: int = 3) -> None:
    for i in range(n):
        stay(
            unit,
            at(2 + i),
            at(10 + i),
            kind="ama" if i == 0 else "completed",
            moud=("done", {"moud_option": "buprenorphine"}) if i % 2 else None,
        )
    stay(unit, at(3), at(12), facility=unit.other)


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("quality_report", *args, stdout=out)
    return out.getvalue()


def test_docs_measures_md_matches_the_registry():
    doc = Path(__file__).resolve().parents[2] / "docs" / "measures.md"
    assert doc.read_text(encoding="utf-8") == render_markdown()


@pytest.mark.now(NOW, tick=False)
def test_command_json_has_the_contract_keys(unit):
    seed(unit)
    data = json.loads(run_command("--from", "2026-01-01", "--to", "2026-01-31", "--format", "json"))
    assert data["from"] == "2026-01-01" and data["to"] == "2026-01-31"
    keys = [m["key"] for m in data["measures"]]
    assert keys[: len(CONTRACT_KEYS)] == CONTRACT_KEYS or set(CONTRACT_KEYS) <= set(keys)
    for m in data["measures"]:
        assert set(m) == {"key", "label", "numerator", "denominator", "value"}
    by = {m["key"]: m for m in data["measures"]}
    assert by["discharges_completed"]["value"] == 3  # 2 on the ward and 1 at the clinic
    assert by["discharges_ama"]["numerator"] == 1
    assert by["moud_at_discharge"] == {
        "key": "moud_at_discharge",
        "label": "MOUD at discharge",
        "numerator": 1,
        "denominator": 4,
        "value": 25.0,
    }


@pytest.mark.now(NOW, tick=False)
def test_command_facility_filter_and_csv(unit):
    seed(unit)
    text = run_command(
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--facility",
        str(unit.other.uuid),
        "--format",
        "csv",
    )
    rows = {(r["key"], r["period"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[("discharges_completed", "total")]["numerator"] == "1"
    assert rows[("discharges_completed", "2026-01")]["value"] == "1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-01-31"], "not a date"),
        (["--from", "2026-02-01", "--to", "2026-01-31"], "before"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--facility", "nope"], "not a facility id"),
        (
            [
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--facility",
                "00000000-0000-0000-0000-000000000000",
            ],
            "No facility",
        ),
    ],
)
def test_command_bad_input_is_a_clear_error(unit, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)


@pytest.mark.now(NOW, tick=False)
def test_page_csv_and_command_give_the_same_figures(unit, as_user):
    seed(unit)
    client = as_user(unit.director)
    page = client.get(reverse("reports:report"), RANGE)
    assert page.status_code == 200
    data = json.loads(run_command("--from", "2026-01-01", "--to", "2026-01-31"))
    download = client.get(reverse("reports:csv"), RANGE)
    assert download["Content-Type"].startswith("text/csv")
    rows = {
        r["key"]: r
        for r in csv.DictReader(io.StringIO(download.content.decode()))
        if r["period"] == "total"
    }
    by_key = {m.key: m for m in page.context["report"].measures}
    for m in data["measures"]:
        assert by_key[m["key"]].as_dict() == m
        assert rows[m["key"]]["numerator"] == (
            "" if m["numerator"] is None else str(m["numerator"])
        )
        assert rows[m["key"]]["value"] == ("" if m["value"] is None else str(m["value"]))
    html = page.content.decode()
    assert "<svg" in html and "<title" in html and "<script" not in html
    assert "Numerator:" in html  # the definitions are on the page
    assert AuditEvent.objects.filter(event="reports.viewed", actor=unit.director).count() == 1
    assert AuditEvent.objects.filter(event="reports.exported", actor=unit.director).count() == 1


@pytest.mark.now(NOW, tick=False)
def test_page_bad_dates_is_a_400_with_the_message(unit, as_user):
    response = as_user(unit.director).get(
        reverse("reports:report"), {"from": "x", "to": "2026-01-31"}
    )
    assert response.status_code == 400
    assert "not a date" in response.content.decode()


@pytest.mark.now(NOW, tick=False)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("director", 200),
        ("auditor", 200),
        ("nurse", 403),
        ("prescriber", 403),
        ("counselor", 403),
        ("coordinator", 403),
        ("admin", 403),
        ("outsider", 403),
    ],
)
def test_access_for_each_persona(unit, as_user, persona, status):
    client = as_user(getattr(unit, persona))
    assert client.get(reverse("reports:report"), RANGE).status_code == status
    assert client.get(reverse("reports:csv"), RANGE).status_code == status
    drill = client.get(reverse("reports:episodes"), {**RANGE, "measure": "admissions"})
    assert drill.status_code == status


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("reports:report"))
    assert response.status_code == 302


@pytest.mark.now(NOW, tick=False)
def test_auditor_sees_only_their_facilities(unit, as_user):
    seed(unit)
    response = as_user(unit.auditor).get(
        reverse("reports:report"), {**RANGE, "facility": str(unit.other.uuid)}
    )
    assert response.status_code == 400
    response = as_user(unit.auditor).get(reverse("reports:report"), RANGE)
    by_key = {m.key: m for m in response.context["report"].measures}
    assert by_key["discharges_completed"].total.numerator == 2  # the ward's only


@pytest.mark.now(NOW, tick=False)
def test_drill_down_lists_the_episodes_and_audits_each(unit, as_user):
    seed(unit)
    client = as_user(unit.director)
    response = client.get(
        reverse("reports:episodes"), {**RANGE, "measure": "discharges_ama", "month": "2026-01"}
    )
    assert response.status_code == 200
    shown = response.context["shown"]
    assert len(shown) == 1
    events = AuditEvent.objects.filter(event="reports.episodes_viewed")
    assert [e.patient_id for e in events] == [shown[0].patient_id]
    page = client.get(reverse("reports:report"), RANGE).content.decode()
    assert "measure=discharges_ama" in page


@pytest.mark.now(NOW, tick=False)
def test_drill_down_unknown_measure_is_refused(unit, as_user):
    response = as_user(unit.director).get(reverse("reports:episodes"), {**RANGE, "measure": "x"})
    assert response.status_code == 400


@pytest.mark.now(NOW, tick=False)
@pytest.mark.parametrize("n", [2, 12])
def test_query_counts_do_not_grow_with_the_data(unit, as_user, django_assert_num_queries, n):
    seed(unit, n)
    client = as_user(unit.director)
    client.get(reverse("reports:report"), RANGE)  # warm the session
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("reports:report"), RANGE).status_code == 200
    # One audit event per episode shown (a page holds at most 25): three queries each.
    with django_assert_num_queries(DRILL_QUERIES + 3 * min(n, 25)):
        client.get(reverse("reports:episodes"), {**RANGE, "measure": "discharges_completed"})


PAGE_QUERIES = 22
DRILL_QUERIES = 10  # 10: with the level of care in the reports edition (settings, evaluations)
