"""The shift handoff: what each patient's row holds, who may open it, its audit and its cost."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions
from detoxdesk.patients import actions as patient_actions
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit
from factories import make_user
from factories_board import seed_census
from factories_medications import (
    make_facts,
    make_settings,
    record_cows,
    sign_bup_standard,
    sign_prn,
    sign_scheduled,
)
from factories_notes import make_note

NY = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
HANDOFF = reverse("patients:handoff")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wing(unit):
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    BedStatus.objects.create(bed=unit.bed, unit=wing)
    return wing


def _row(response):
    (row,) = response.context["rows"]
    return row


def test_it_shows_the_current_shift_of_the_programs_boundaries(clock, unit, wing, as_user):
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    assert response.status_code == 200
    shift = response.context["shift"]
    assert (shift.start, shift.end) == (
        datetime(2026, 3, 2, 7, 0, tzinfo=NY),
        datetime(2026, 3, 2, 19, 0, tzinfo=NY),
    )
    assert "Shift handoff: Ward A — North wing" in response.content.decode()


def test_it_follows_the_shift_start_times_a_program_set(clock, unit, wing, as_user):
    make_settings(unit.program, shift_starts=["06:00", "14:00", "22:00"])
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    shift = response.context["shift"]
    assert (shift.start.hour, shift.end.hour) == (6, 14)
    previous = as_user(unit.nurse).get(
        HANDOFF, {"place": f"u-{wing.uuid}", "shift": "2026-03-01T22:00"}
    )
    assert previous.context["shift"].start == datetime(2026, 3, 1, 22, 0, tzinfo=NY)
    assert not previous.context["shift_is_current"]


def test_it_lists_scores_with_their_trend_and_the_doses_of_the_shift(clock, unit, wing, as_user):
    record_cows(unit.episode, unit.nurse, 6, at=START - timedelta(hours=3))
    record_cows(unit.episode, unit.nurse, 14, at=START - timedelta(minutes=30))
    with time_machine.travel(START - timedelta(hours=3), tick=False):
        scheduled = sign_scheduled(
            unit.episode, unit.prescriber, "clonidine", "0.1", time(8), time(20)
        )
    prn = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    actions.do_record_administration(
        scheduled,
        acting_user=unit.nurse,
        outcome="held",
        occurred_at=START - timedelta(minutes=55),
        scheduled_for=datetime(2026, 3, 2, 8, 0, tzinfo=NY),
        reason="BP low",
    )
    actions.do_record_administration(
        prn, acting_user=unit.nurse, outcome="given", occurred_at=START - timedelta(minutes=10)
    )
    actions.do_record_administration(  # the shift before: not listed
        prn, acting_user=unit.nurse, outcome="given", occurred_at=START - timedelta(hours=4)
    )
    row = _row(as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"}))
    (cows,) = row.scores
    assert (cows.total, cows.previous, cows.trend) == (14, 6, "up")
    assert [(d.drug, d.outcome, d.reason) for d in row.doses] == [("Clonidine", "Held", "BP low")]
    assert [(d.drug, d.outcome) for d in row.prns] == [("Loperamide", "Given")]
    assert row.next_dose[0] == datetime(2026, 3, 2, 20, 0, tzinfo=NY)
    assert row.bed == "B01" and row.day_of_stay >= 1


def test_it_flags_an_overdue_dose_and_assessment(clock, unit, wing, as_user):
    with time_machine.travel(START - timedelta(hours=3), tick=False):
        sign_scheduled(unit.episode, unit.prescriber, "clonidine", "0.1", time(7, 30), time(20))
    row = _row(as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"}))
    texts = [a.text for a in row.alerts]
    assert "1 scheduled dose overdue" in texts
    assert any(t.startswith("Assessment overdue") for t in texts)
    assert row.next_dose[0] == datetime(2026, 3, 2, 20, 0, tzinfo=NY)


def test_it_shows_the_precipitated_withdrawal_alert_and_its_review(clock, unit, wing, as_user):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    first = actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=40))
    after = record_cows(unit.episode, unit.nurse, 20)
    client = as_user(unit.nurse)
    (alert,) = [a for a in _row(client.get(HANDOFF)).alerts if "precipitated" in a.text]
    assert alert.text.startswith("Possible precipitated withdrawal: COWS 14 → 20")
    assert alert.reviewable and not alert.review
    actions.do_review_alert(
        unit.episode, acting_user=unit.nurse, first_dose=first, assessment=after, note="seen"
    )
    (alert,) = [a for a in _row(client.get(HANDOFF)).alerts if "precipitated" in a.text]
    assert alert.review.startswith("Reviewed by") and alert.review.endswith(": seen")


def test_it_shows_allergies_and_code_status(clock, unit, wing, as_user):
    patient_actions.do_record_allergy(
        unit.patient,
        acting_user=unit.nurse,
        values={"other_substance": "Latex", "reaction": "hives", "severity": "severe"},
    )
    patient_actions.do_set_code_status(
        unit.episode, acting_user=unit.prescriber, code_status="dnr", note="", expected_version=1
    )
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    row = _row(response)
    assert row.allergies == ["Latex (hives), severe"]
    assert row.code_status_label == "Do not resuscitate (DNR)"
    page = response.content.decode()
    assert "Code status: Do not resuscitate (DNR)" in page and "Latex (hives), severe" in page


def test_it_says_when_nobody_asked_about_allergies_or_code_status(clock, unit, wing, as_user):
    page = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"}).content.decode()
    assert "Allergies: <strong>not asked</strong>" in page
    assert "Code status: Not recorded" in page


def test_it_audits_each_listed_patient_as_a_chart_access(clock, unit, wing, as_user):
    seed_census(unit.ward, unit.nurse, 3, unit=wing)
    as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    events = AuditEvent.objects.filter(event="handoff.viewed")
    assert events.count() == 4
    assert unit.patient.pk in set(events.values_list("patient_id", flat=True))
    assert set(events.values_list("actor_id", flat=True)) == {unit.nurse.pk}


def test_it_lists_only_the_chosen_unit(clock, unit, wing, as_user):
    other_wing = StaffUnit.objects.create(facility=unit.ward, name="South wing")
    seed_census(unit.ward, unit.nurse, 2, unit=other_wing)
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    assert [r.name for r in response.context["rows"]] == [
        f"{unit.patient.family_name}, {unit.patient.given_name}"
    ]


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_it_refuses_roles_without_the_census_and_chart(clock, unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(HANDOFF).status_code == 403


def test_an_intake_coordinator_who_cannot_open_charts_is_refused(clock, unit, as_user):
    assert as_user(unit.coordinator).get(HANDOFF).status_code == 403


def test_an_outsider_never_sees_another_facilitys_unit(clock, unit, wing, as_user):
    response = as_user(unit.outsider).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    assert response.status_code == 200
    assert response.context["place"].facility == unit.other
    assert unit.patient.family_name not in response.content.decode()


def test_it_says_so_when_the_unit_is_empty(clock, unit, as_user):
    empty = make_user(Role.NURSE, unit.other)
    page = as_user(empty).get(HANDOFF).content.decode()
    assert "No active episodes at Clinic B." in page


def test_it_shows_the_last_nursing_note(clock, unit, wing, as_user):
    make_note(
        unit.episode, unit.nurse, key="nursing_shift", sign=True, condition="Settled, COWS falling."
    )
    clock.shift(timedelta(minutes=30))
    make_note(unit.episode, unit.nurse, key="nursing_shift", plan="Recheck COWS at 11:00.")
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    note = _row(response).note
    assert "Recheck COWS at 11:00." in note.text and note.signed_at is None
    page = response.content.decode()
    assert "draft, not signed" in page and "Recheck COWS at 11:00." in page


def test_it_says_when_there_is_no_nursing_note(clock, unit, wing, as_user):
    make_note(unit.episode, unit.nurse, key="dap", sign=True)  # not a nursing shift note
    response = as_user(unit.nurse).get(HANDOFF, {"place": f"u-{wing.uuid}"})
    assert _row(response).note is None
    assert "No nursing note yet" in response.content.decode()


HANDOFF_QUERIES = 20  # 20: with the last nursing notes


@pytest.mark.parametrize("size", [5, 30])
def test_a_unit_costs_the_same_with_5_or_30_patients(
    clock, unit, wing, as_user, size, django_assert_num_queries
):
    episodes = seed_census(unit.ward, unit.nurse, size - 1, unit=wing)
    for episode in (unit.episode, *episodes):
        sign_scheduled(episode, unit.prescriber, "clonidine", "0.1", time(8), time(20))
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=40))
    record_cows(unit.episode, unit.nurse, 20)  # the alert is screened, unreviewed
    for episode in (unit.episode, *episodes):
        make_note(episode, unit.nurse, key="nursing_shift", condition="Settled.")
    client = as_user(unit.nurse)
    client.get(HANDOFF, {"place": f"u-{wing.uuid}"})
    with django_assert_num_queries(HANDOFF_QUERIES):
        response = client.get(HANDOFF, {"place": f"u-{wing.uuid}"})
    rows = response.context["rows"]
    assert len(rows) == size
    assert all(r.scores and r.next_dose and r.note for r in rows)
    assert any("precipitated" in a.text for a in rows[0].alerts + rows[-1].alerts)
