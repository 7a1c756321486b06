"""``log.record_for`` and ``log.viewed`` find the patient and facility a record belongs to."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from detoxdesk.audit import log
from detoxdesk.audit.models import AuditEvent
from factories_aftercare import start_discharge
from factories_intake import make_evaluation, make_inquiry
from factories_medications import sign_bup_standard
from factories_tapers import make_methadone_plan


def test_record_for_an_episode_takes_its_patient_and_facility(unit):
    event = log.record_for(unit.episode, "episode.updated", actor=unit.nurse)
    assert (event.patient, event.facility) == (unit.patient, unit.ward)
    assert event.object_id == str(unit.episode.uuid)


def test_record_for_a_patient_has_no_facility(unit):
    event = log.record_for(unit.patient, "patient.created", actor=unit.nurse)
    assert (event.patient, event.facility) == (unit.patient, None)


def test_record_for_follows_the_episode_for_what_it_lacks(unit):
    discharge = start_discharge(unit)
    event = log.record_for(discharge, "discharge.viewed", actor=unit.nurse)
    assert (event.patient, event.facility) == (unit.patient, unit.ward)


def test_record_for_follows_an_order_to_its_line_and_episode(unit):
    order = sign_bup_standard(unit.episode, unit.prescriber)
    event = log.record_for(order, "order.viewed", actor=unit.prescriber)
    assert (event.patient, event.facility) == (unit.patient, unit.ward)


def test_record_for_a_taper_without_an_episode_has_only_the_patient(unit):
    plan = make_methadone_plan(unit)
    plan.episode = None
    event = log.record_for(plan, "taper.viewed", actor=unit.prescriber)
    assert (event.patient, event.facility) == (unit.patient, None)


def test_record_for_an_inquiry_without_a_patient_keeps_its_facility(unit):
    inquiry = make_inquiry(unit.ward)
    event = log.record_for(inquiry, "inquiry.viewed", actor=unit.coordinator)
    assert (event.patient, event.facility) == (None, unit.ward)


def test_record_for_a_treatment_plan_reads_its_evaluation(unit):
    from detoxdesk.intake.models import TreatmentPlan

    evaluation = make_evaluation(unit.patient, unit.ward, unit.prescriber)
    plan = TreatmentPlan(evaluation=evaluation)
    event = log.record_for(plan, "treatment_plan.viewed", actor=unit.counselor)
    assert (event.patient, event.facility) == (evaluation.patient, evaluation.facility)


def test_record_for_given_scope_wins(unit):
    event = log.record_for(unit.episode, "episode.updated", actor=unit.nurse, facility=unit.other)
    assert (event.patient, event.facility) == (unit.patient, unit.other)


def test_viewed_takes_the_user_of_a_request(unit):
    request = RequestFactory().get("/")
    request.user = unit.nurse
    event = log.viewed(request, "vitals_form.viewed", target=unit.episode)
    assert (event.actor, event.patient, event.facility) == (unit.nurse, unit.patient, unit.ward)


def test_viewed_without_a_target(unit):
    event = log.viewed(unit.director, "golive.viewed", changes={"unset": 2})
    assert (event.actor, event.patient, event.facility, event.object_id) == (
        unit.director,
        None,
        None,
        "",
    )
    assert event.changes == {"unset": 2}


def test_viewed_refuses_an_unknown_event(unit):
    with pytest.raises(log.UnknownEventError):
        log.viewed(unit.nurse, "nothing.viewed")
    assert not AuditEvent.objects.filter(event="nothing.viewed").exists()
