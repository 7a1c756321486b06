"""Outpatient episodes: the setting chosen at admission, the visit schedule, visits, home SOWS,
the missed-check-in flag on the census board, and the review rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.board import census
from detoxdesk.monitoring.models import Assessment
from detoxdesk.outpatient import actions, queries
from detoxdesk.outpatient.models import Review, Visit
from detoxdesk.patients import actions as patient_actions
from detoxdesk.patients.golive import unset_parameters
from detoxdesk.patients.models import Episode
from detoxdesk.portal import actions as portal
from factories import make_episode, make_patient
from factories_portal import make_portal_user, sows_answers

pytestmark = pytest.mark.django_db
MON = date(2026, 3, 2)  # the suite's clock: Monday 2 March 2026, 10:00 in New York


@pytest.fixture
def outpt(unit):
    """A day-programme outpatient at the ward (no bed), admitted a week ago."""
    return make_episode(
        unit.ward, setting="outpatient", admitted_at=timezone.now() - timedelta(days=7)
    )


def schedule(unit, episode, first=MON - timedelta(days=6), every=2, home=True, version=0):
    return actions.do_set_visit_plan(
        episode,
        acting_user=unit.prescriber,
        first_visit_on=first,
        every_days=every,
        home_check_ins=home,
        read_version=version,
    )


def visit_on(unit, episode, day: date) -> Visit:
    at = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=11))
    return actions.do_record_visit(episode, acting_user=unit.nurse, attended_at=at)


def home_sows(episode, user, day: date, value: int = 1) -> Assessment:
    at = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=20))
    return portal.do_submit_sows(acting_user=user, answers=sows_answers(value), now=at)


# --- The setting at admission ---------------------------------------------------------------------


def test_admission_takes_the_setting_from_the_facility_or_the_choice(unit):
    clinic = patient_actions.do_admit(
        make_patient(unit.program), unit.other, acting_user=None, admitted_at=timezone.now()
    )
    assert clinic.setting == Episode.Setting.OUTPATIENT
    day = patient_actions.do_admit(
        make_patient(unit.program),
        unit.ward,
        acting_user=None,
        admitted_at=timezone.now(),
        setting="outpatient",
    )
    assert day.is_outpatient and day.bed is None
    audit = AuditEvent.objects.filter(event="episode.admitted", object_id=str(day.uuid)).get()
    assert audit.changes["setting"] == "outpatient"


@pytest.mark.parametrize(
    ("facility", "setting", "bed"),
    [("other", "inpatient", False), ("ward", "outpatient", True), ("ward", "nowhere", False)],
)
def test_an_impossible_setting_is_refused_naming_the_field(unit, facility, setting, bed):
    patient = make_patient(unit.program)
    with pytest.raises(ValidationError) as exc:
        patient_actions.do_admit(
            patient,
            getattr(unit, facility),
            acting_user=None,
            admitted_at=timezone.now(),
            bed=unit.ward.beds.create(label="B99") if bed else None,
            setting=setting,
        )
    assert "setting" in exc.value.error_dict
    assert not patient.episodes.exists()


# --- Schedule and visits --------------------------------------------------------------------------


def test_the_schedule_is_versioned_and_audited(unit, outpt):
    plan = schedule(unit, outpt)
    assert plan.version == 1
    with pytest.raises(ValidationError, match="Someone else changed the visit schedule"):
        schedule(unit, outpt, every=1, version=0)
    assert schedule(unit, outpt, every=1, version=1).every_days == 1
    assert AuditEvent.objects.filter(event="outpatient.visit_plan_set").count() == 2


def test_an_inpatient_episode_has_no_visit_schedule(unit):
    with pytest.raises(ValidationError, match="not an outpatient episode"):
        schedule(unit, unit.episode)


def test_bad_schedule_input_names_the_fields(unit, outpt):
    with pytest.raises(ValidationError) as exc:
        actions.do_set_visit_plan(
            outpt,
            acting_user=unit.prescriber,
            first_visit_on=MON,
            every_days=0,
            last_visit_on=MON - timedelta(days=1),
        )
    assert {"every_days", "last_visit_on"} <= set(exc.value.error_dict)


def test_one_visit_a_day_and_never_in_the_future(unit, outpt):
    schedule(unit, outpt)
    visit_on(unit, outpt, MON - timedelta(days=2))
    with pytest.raises(ValidationError, match="already recorded"):
        visit_on(unit, outpt, MON - timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        visit_on(unit, outpt, MON + timedelta(days=1))
    assert "attended_at" in exc.value.error_dict
    assert Visit.objects.count() == 1


def test_a_counselor_cannot_record_a_visit(unit, outpt):
    schedule(unit, outpt)
    with pytest.raises(PermissionDenied):
        actions.do_record_visit(outpt, acting_user=unit.counselor, attended_at=timezone.now())


# --- The review rule ------------------------------------------------------------------------------


def attend_all(unit, episode, days):
    for day in days:
        visit_on(unit, episode, day)


def test_a_missed_visit_sends_the_episode_for_review_until_reviewed(unit, outpt):
    schedule(unit, outpt, home=False)  # visits 24 Feb, 26 Feb, 28 Feb, 2 Mar
    attend_all(unit, outpt, [date(2026, 2, 24), date(2026, 2, 28)])
    state = queries.review_state(outpt)
    assert [r.code for r in state.reasons] == ["missed_visit"]
    assert "2026-02-26" in state.reasons[0].message
    assert state.next_visit == MON
    seen = [r.message for r in state.reasons]
    with pytest.raises(ValidationError, match="changed while you read"):
        actions.do_review(outpt, acting_user=unit.prescriber, note="Called", reasons_seen=[])
    actions.do_review(outpt, acting_user=unit.prescriber, note="Called", reasons_seen=seen)
    assert queries.review_state(outpt).reasons == ()
    assert Review.objects.get().reasons == seen


def test_a_missed_home_sows_between_visits_sends_it_for_review(unit, outpt):
    schedule(unit, outpt)  # days between visits: 25 Feb, 27 Feb, 1 Mar
    attend_all(unit, outpt, [date(2026, 2, 24), date(2026, 2, 26), date(2026, 2, 28)])
    user = make_portal_user(outpt.patient)
    home_sows(outpt, user, date(2026, 2, 25))
    home_sows(outpt, user, date(2026, 3, 1))
    state = queries.review_state(outpt)
    assert [r.code for r in state.reasons] == ["missed_check_in"]
    assert "2026-02-27" in state.reasons[0].message


def test_a_climbing_score_needs_the_program_rise(unit, outpt):
    schedule(unit, outpt, first=MON, home=False)
    user = make_portal_user(outpt.patient)
    home_sows(outpt, user, MON - timedelta(days=2), value=1)  # 16
    home_sows(outpt, user, MON - timedelta(days=1), value=2)  # 32
    assert queries.review_state(outpt).reasons == ()
    assert queries.review_state(outpt).rises_unset == ("COWS", "SOWS")
    actions.do_update_settings(
        unit.program,
        acting_user=unit.director,
        values={"review_cows_rise": None, "review_sows_rise": 16},
        read_version=0,
    )
    assert [r.code for r in queries.review_state(outpt).reasons] == ["score_climbed"]
    actions.do_update_settings(
        unit.program,
        acting_user=unit.director,
        values={"review_cows_rise": None, "review_sows_rise": 17},
        read_version=1,
    )
    assert queries.review_state(outpt).reasons == ()


def test_the_settings_ship_unset_are_on_go_live_and_are_versioned(unit):
    names = {item.name for item in unset_parameters(unit.program)}
    assert "Outpatient review when a SOWS total rises by at least" in names
    actions.do_update_settings(
        unit.program,
        acting_user=unit.director,
        values={"review_cows_rise": 5, "review_sows_rise": 6},
        read_version=0,
    )
    names = {item.name for item in unset_parameters(unit.program)}
    assert not any(name.startswith("Outpatient review") for name in names)
    with pytest.raises(ValidationError, match="Someone else changed"):
        actions.do_update_settings(
            unit.program, acting_user=unit.director, values={}, read_version=0
        )
    with pytest.raises(PermissionDenied):
        actions.do_update_settings(unit.program, acting_user=unit.nurse, values={}, read_version=1)
    assert AuditEvent.objects.filter(event="outpatient.settings_changed").count() == 1


# --- The census board -----------------------------------------------------------------------------


def board_rows(unit):
    episodes = Episode.objects.filter(status=Episode.Status.ACTIVE, facility=unit.ward)
    return {row["record_number"]: row for row in census.rows(episodes, timezone.now())}


def test_the_board_flags_a_missed_check_in(unit, outpt):
    schedule(unit, outpt, home=False)
    attend_all(unit, outpt, [date(2026, 2, 24), date(2026, 2, 28)])
    rows = board_rows(unit)
    assert rows[outpt.patient.record_number]["missed_check_in"] == (
        "Missed check-in: missed visit 26 Feb"
    )
    assert rows[unit.patient.record_number]["missed_check_in"] == ""


def test_the_board_reads_no_outpatient_data_without_an_outpatient(unit, django_assert_num_queries):
    episodes = Episode.objects.filter(status=Episode.Status.ACTIVE)
    # No score or vitals yet: the episodes, then the alerts of the medication record (its
    # settings, precipitated withdrawal, scheduled orders); nothing of the outpatient app.
    with django_assert_num_queries(1 + 3):
        census.rows(episodes, timezone.now())


@pytest.mark.parametrize("count", [1, 4])
def test_the_board_flags_cost_four_queries_whatever_the_number(
    unit, count, django_assert_num_queries
):
    for _ in range(count):
        episode = make_episode(
            unit.ward, setting="outpatient", admitted_at=timezone.now() - timedelta(days=7)
        )
        schedule(unit, episode)
    episodes = Episode.objects.filter(status=Episode.Status.ACTIVE)
    # The episodes, the medication record's three alert reads, then plans, reviews, visits, SOWS.
    with django_assert_num_queries(1 + 3 + 4):
        rows = census.rows(episodes, timezone.now())
    assert sum(1 for row in rows if row["missed_check_in"]) == count


# --- Pages ----------------------------------------------------------------------------------------


def page(unit, episode):
    return reverse("outpatient:episode", args=[episode.uuid])


def test_the_page_shows_visits_with_their_day_and_is_audited(unit, outpt, as_user):
    schedule(unit, outpt, home=False)
    attend_all(unit, outpt, [date(2026, 2, 24), date(2026, 2, 28)])
    body = as_user(unit.nurse).get(page(unit, outpt)).content.decode()
    assert "Sent back for review" in body and "2026-02-26" in body
    assert "Sat 28 Feb 2026" in body
    assert AuditEvent.objects.filter(event="outpatient.viewed", actor=unit.nurse).exists()


def test_the_page_of_an_inpatient_episode_is_not_found(unit, as_user):
    assert as_user(unit.nurse).get(page(unit, unit.episode)).status_code == 404


def test_an_outsider_cannot_open_the_page(unit, outpt, as_user):
    assert as_user(unit.outsider).get(page(unit, outpt)).status_code == 404


def test_the_forms_save_through_the_actions(unit, outpt, as_user):
    client = as_user(unit.prescriber)
    url = reverse("outpatient:schedule", args=[outpt.uuid])
    bad = client.post(url, {"first_visit_on": "2026-03-02", "every_days": "0", "read_version": 0})
    assert "every_days" in bad.context["plan_form"].errors
    saved = client.post(
        url, {"first_visit_on": "2026-03-02", "every_days": "1", "read_version": "0"}
    )
    assert saved.status_code == 302
    visit = client.post(
        reverse("outpatient:visit", args=[outpt.uuid]), {"attended_at": "2026-03-02T09:30"}
    )
    assert visit.status_code == 302 and Visit.objects.get().visit_on == MON


@pytest.mark.parametrize("visits", [1, 3])
def test_the_page_reads_a_fixed_number_of_queries(
    unit, outpt, as_user, visits, django_assert_num_queries
):
    schedule(unit, outpt, first=MON - timedelta(days=6), every=1, home=False)
    attend_all(unit, outpt, [MON - timedelta(days=n) for n in range(1, visits + 1)])
    client = as_user(unit.nurse)
    client.get(page(unit, outpt))  # warm the session
    with django_assert_num_queries(QUERIES):
        assert client.get(page(unit, outpt)).status_code == 200


QUERIES = 24  # the stock a nurse may dispense from is one of them


def test_the_admission_form_admits_a_day_programme_outpatient(unit, as_user):
    from factories_intake import make_signed_evaluation

    patient = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_signed_evaluation(patient, unit.ward, unit.prescriber)
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    client = as_user(unit.nurse)
    assert "Setting" in client.get(url).content.decode()
    data = {
        "facility": unit.ward.pk,
        "setting": "outpatient",
        "admitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "below_level_acknowledged": "on",
        "below_level_reason": "Day programme chosen by the patient",
    }
    assert client.post(url, data).status_code == 302
    episode = patient.episodes.get()
    assert episode.is_outpatient and episode.bed is None


# --- Take-home doses through the ledger -----------------------------------------------------------


def test_take_home_doses_are_dispensed_through_the_ledger(unit, outpt, as_user):
    from detoxdesk.controlled.models import Entry, Stock
    from factories_controlled import stocked

    location, lot = stocked(unit, units="10")
    schedule(unit, outpt)
    client = as_user(unit.nurse)
    url = reverse("outpatient:take_home", args=[outpt.uuid])
    value = f"{location.uuid}:{lot.uuid}"
    too_much = client.post(url, {"stock": value, "units": "11"})
    assert too_much.status_code == 200 and not Entry.objects.filter(kind="take_home").exists()
    bad = client.post(url, {"stock": "nothing:here", "units": "1"})
    assert "stock" in bad.context["take_home_form"].errors
    assert client.post(url, {"stock": value, "units": "3", "note": "Two days"}).status_code == 302
    entry = Entry.objects.get(kind="take_home")
    assert (entry.patient, entry.amount_take_home) == (outpt.patient, 3)
    assert Stock.objects.get(location=location, lot=lot).units == 7
    assert f"3 {entry.product.unit} of" in client.get(page(unit, outpt)).content.decode()


def test_a_counselor_cannot_dispense_take_home_doses(unit, outpt, as_user):
    schedule(unit, outpt)
    url = reverse("outpatient:take_home", args=[outpt.uuid])
    assert as_user(unit.counselor).post(url, {"stock": "x:y", "units": "1"}).status_code == 403


SETTINGS = reverse("outpatient:settings")


@pytest.mark.parametrize("persona", ["prescriber", "nurse", "outsider"])
def test_the_settings_page_refuses_anyone_but_a_director(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(SETTINGS).status_code == 403


def test_the_settings_page_saves_names_a_bad_value_and_refuses_a_stale_form(unit, as_user):
    client = as_user(unit.director)
    assert "ship unset" in client.get(SETTINGS).content.decode()
    bad = client.post(SETTINGS, {"review_sows_rise": "0", "read_version": "0"})
    assert "review_sows_rise" in bad.context["form"].errors
    saved = client.post(SETTINGS, {"review_sows_rise": "6", "read_version": "0"})
    assert saved.status_code == 302
    rules = queries.settings_for(unit.program)
    assert (rules.review_cows_rise, rules.review_sows_rise, rules.version) == (None, 6, 1)
    stale = client.post(SETTINGS, {"review_sows_rise": "7", "read_version": "0"})
    assert "Someone else changed" in stale.content.decode()
    assert queries.settings_for(unit.program).review_sows_rise == 6
