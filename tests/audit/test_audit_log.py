from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit import log
from detoxdesk.audit.models import AppendOnlyError, AuditEvent
from detoxdesk.monitoring import actions
from factories import COWS_ALL_ZERO, make_episode

AUDIT = reverse("audit:log")


def test_it_shows_views_and_changes_with_who_when_and_what(unit, as_user, client):
    actions.do_record_assessment(
        unit.episode, "cows", COWS_ALL_ZERO, acting_user=unit.nurse, performed_at=timezone.now()
    )
    as_user(unit.nurse).get(reverse("patients:chart", args=[unit.patient.uuid]))
    response = as_user(unit.director).get(AUDIT)
    assert response.status_code == 200
    events = [e.event for e in response.context["page"]]
    assert events == ["audit.viewed", "chart.viewed", "assessment.recorded"]
    body = response.content.decode()
    assert unit.patient.record_number in body
    assert "total" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event": "assessment.recorded"}, {"assessment.recorded"}),
        ({"user": "nurse"}, {"assessment.recorded", "chart.viewed"}),
    ],
)
def test_it_filters(unit, as_user, params, expected):
    actions.do_record_assessment(
        unit.episode, "cows", COWS_ALL_ZERO, acting_user=unit.nurse, performed_at=timezone.now()
    )
    as_user(unit.nurse).get(reverse("patients:chart", args=[unit.patient.uuid]))
    page = as_user(unit.director).get(AUDIT, params).context["page"]
    assert {e.event for e in page} == expected


def test_it_filters_by_patient_and_date(unit, as_user):
    other = make_episode(unit.ward)
    log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    log.record("chart.viewed", actor=unit.nurse, patient=other.patient)
    client = as_user(unit.director)
    page = client.get(AUDIT, {"patient": unit.patient.record_number}).context["page"]
    assert {e.patient for e in page} == {unit.patient}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get(AUDIT, {"date_from": tomorrow}).context["page"].paginator.count == 0


def test_it_refuses_an_inverted_date_range(unit, as_user):
    response = as_user(unit.director).get(
        AUDIT, {"date_from": "2026-02-02", "date_to": "2026-02-01"}
    )
    assert "end date is before the start date" in response.content.decode()


def test_it_shows_only_events_of_the_readers_facilities(unit, as_user):
    from detoxdesk.accounts.models import Role
    from factories import make_facility, make_program, make_user

    elsewhere = make_facility(make_program())
    foreign = make_episode(elsewhere)
    stranger = make_user(Role.NURSE, elsewhere)
    log.record("chart.viewed", actor=stranger, patient=foreign.patient, facility=elsewhere)
    page = as_user(unit.auditor).get(AUDIT).context["page"]
    assert foreign.patient not in {e.patient for e in page}


@pytest.mark.parametrize(
    "persona", ["nurse", "prescriber", "counselor", "coordinator", "admin", "outsider"]
)
def test_it_refuses_everyone_but_directors_and_auditors(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(AUDIT).status_code == 403


def test_it_audits_reading_the_audit_log(unit, as_user):
    as_user(unit.auditor).get(AUDIT, {"event": "chart.viewed"})
    event = AuditEvent.objects.get(event="audit.viewed")
    assert event.changes == {"event": "chart.viewed"}


def test_it_pages(unit, as_user):
    for _ in range(60):
        log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    client = as_user(unit.director)
    assert len(client.get(AUDIT).context["page"].object_list) == 50
    assert client.get(AUDIT, {"page": 2}).context["page"].number == 2


def test_the_audit_table_is_append_only(unit):
    event = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(event="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).event == "chart.viewed"


def test_it_refuses_unregistered_event_names(unit):
    with pytest.raises(ValueError, match="not a registered audit event"):
        log.record("chart.peeked", actor=unit.nurse)


def test_a_failed_action_leaves_no_audit_event(unit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.do_record_assessment(
            unit.episode,
            "cows",
            {"sweating": 3},
            acting_user=unit.nurse,
            performed_at=timezone.now(),
        )
    assert not AuditEvent.objects.filter(event="assessment.recorded").exists()


def test_the_audit_event_is_rolled_back_with_its_change(unit, monkeypatch):
    from detoxdesk.monitoring.models import Assessment

    def explode(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(log, "_write", explode)
    # The action joins the caller's transaction without a savepoint of its own: a caller that
    # goes on after a failure brings its own (as the request's transaction does by ending).
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_record_assessment(
            unit.episode, "cows", COWS_ALL_ZERO, acting_user=unit.nurse, performed_at=timezone.now()
        )
    assert Assessment.objects.count() == 0


def test_paging_keeps_the_filters(unit, as_user):
    for _ in range(60):
        log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    body = as_user(unit.director).get(AUDIT, {"event": "chart.viewed"}).content.decode()
    assert "?event=chart.viewed&amp;page=2" in body


def test_no_two_apps_register_the_same_event_name() -> None:
    from detoxdesk.accounts.events import EVENTS as accounts
    from detoxdesk.aftercare.events import EVENTS as aftercare
    from detoxdesk.api.events import EVENTS as api
    from detoxdesk.audit.events import CORE_EVENTS, EVENTS
    from detoxdesk.beds.events import EVENTS as beds
    from detoxdesk.board.events import EVENTS as board
    from detoxdesk.controlled.events import EVENTS as controlled
    from detoxdesk.directory.events import EVENTS as directory
    from detoxdesk.disclosures.events import EVENTS as disclosures
    from detoxdesk.exports.events import EVENTS as exports
    from detoxdesk.intake.events import EVENTS as intake
    from detoxdesk.labs.events import EVENTS as labs
    from detoxdesk.medications.events import EVENTS as medications
    from detoxdesk.monitoring.events import EVENTS as monitoring
    from detoxdesk.notes.events import EVENTS as notes
    from detoxdesk.outpatient.events import EVENTS as outpatient
    from detoxdesk.patients.events import EVENTS as patients
    from detoxdesk.portal.events import EVENTS as portal
    from detoxdesk.reports.events import EVENTS as reports
    from detoxdesk.staff.events import EVENTS as staff
    from detoxdesk.tapers.events import EVENTS as tapers

    parts = (
        CORE_EVENTS,
        accounts,
        intake,
        medications,
        tapers,
        notes,
        aftercare,
        directory,
        disclosures,
        portal,
        patients,
        staff,
        controlled,
        api,
        exports,
        reports,
        beds,
        labs,
        outpatient,
        board,
        monitoring,
    )
    assert len(EVENTS) == sum(len(part) for part in parts)
