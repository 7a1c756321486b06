"""The audit report download (CSV, ONC 170.315(d)(3)): period, patient, access, columns."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from detoxdesk.audit import log
from detoxdesk.audit.models import AuditEvent
from detoxdesk.audit.report import COLUMNS
from factories import make_episode

EXPORT = reverse("audit:export")
DAY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}


def table(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.now(datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_it_downloads_every_event_of_the_period_with_the_documented_columns(unit, as_user):
    viewed = log.record(
        "chart.viewed", actor=unit.nurse, patient=unit.patient, changes={"tab": "=SUM(A1)"}
    )
    response = as_user(unit.auditor).get(EXPORT, DAY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="audit-report-2026-03-02-to-2026-03-02.csv"'
    )
    rows = table(response)
    assert tuple(rows[0]) == COLUMNS
    first = rows[0]
    assert first == {
        "event_id": str(viewed.pk),
        "time_utc": "2026-03-02T15:00:00+00:00",
        "event": "chart.viewed",
        "description": "Viewed a patient's chart",
        "actor_username": "nurse",
        "actor_name": unit.nurse.display_name,
        "patient_record_number": unit.patient.record_number,
        "facility": "",
        "object_type": "",
        "object_id": "",
        "changes": '{"tab": "=SUM(A1)"}',
        "ip_address": "",
        "request_id": viewed.request_id,
        "chain_hash": viewed.chain_hash,
    }
    # The download itself is audited, before the read, so it is the report's last row.
    assert [r["event"] for r in rows] == ["chart.viewed", "audit.exported"]


def test_it_keeps_to_the_period(unit, as_user, clock):
    log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    clock.shift(timedelta(days=2))
    later = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    rows = table(as_user(unit.auditor).get(EXPORT, DAY))
    assert str(later.pk) not in {r["event_id"] for r in rows}
    assert [r["event"] for r in rows] == ["chart.viewed"]


def test_it_reports_one_patient_by_record_number(unit, as_user):
    other = make_episode(unit.ward)
    log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    log.record("chart.viewed", actor=unit.nurse, patient=other.patient)
    response = as_user(unit.director).get(
        EXPORT, {**DAY, "record_number": unit.patient.record_number}
    )
    rows = table(response)
    assert {r["patient_record_number"] for r in rows} == {unit.patient.record_number}
    exported = AuditEvent.objects.get(event="audit.exported")
    assert (exported.patient, exported.changes) == (
        unit.patient,
        {"from": "2026-03-02", "to": "2026-03-02"},
    )


def test_it_leaves_out_other_facilities(unit, as_user):
    from detoxdesk.accounts.models import Role
    from factories import make_facility, make_program, make_user

    elsewhere = make_facility(make_program())
    foreign = make_episode(elsewhere)
    stranger = make_user(Role.NURSE, elsewhere)
    log.record("chart.viewed", actor=stranger, patient=foreign.patient, facility=elsewhere)
    rows = table(as_user(unit.auditor).get(EXPORT, DAY))
    assert foreign.patient.record_number not in {r["patient_record_number"] for r in rows}
    response = as_user(unit.auditor).get(
        EXPORT, {**DAY, "record_number": foreign.patient.record_number}
    )
    assert response.status_code == 400
    assert "No patient with this record number at your facilities." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_to": "2026-03-02"}, "date_from", "This field is required."),
        ({**DAY, "date_from": "2026-03-03"}, "date_to", "The end date is before the start date."),
        ({**DAY, "date_from": "yesterday"}, "date_from", "Enter a valid date."),
    ],
)
def test_it_names_the_field_that_is_wrong(unit, as_user, params, field, message):
    response = as_user(unit.auditor).get(EXPORT, params)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert 'role="alert"' in response.content.decode()
    assert not AuditEvent.objects.filter(event="audit.exported").exists()


def test_the_log_page_offers_the_report(unit, as_user):
    body = as_user(unit.auditor).get(reverse("audit:log")).content.decode()
    assert f'action="{EXPORT}"' in body
    assert 'id="report_date_from"' in body


@pytest.mark.parametrize("persona", ["auditor", "director"])
def test_auditors_and_directors_download_it(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(EXPORT, DAY).status_code == 200


@pytest.mark.parametrize(
    "persona", ["nurse", "prescriber", "counselor", "coordinator", "admin", "outsider"]
)
def test_everyone_else_is_refused(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(EXPORT, DAY).status_code == 403
    assert not AuditEvent.objects.filter(event="audit.exported").exists()


def test_a_visitor_must_sign_in(unit, client):
    assert client.get(EXPORT, DAY).status_code == 302


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(unit, as_user):
    from detoxdesk.accounts.models import Role
    from factories import make_user

    sly = make_user(Role.NURSE, unit.ward, username="=HYPERLINK(1)")
    log.record("chart.viewed", actor=sly, patient=unit.patient, changes={"n": -1})
    (row, _export) = table(as_user(unit.auditor).get(EXPORT, DAY))
    assert row["actor_username"] == "'=HYPERLINK(1)"
