"""Recording a result: checks, the findings, the audit event and the medication facts it feeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.labs import actions
from detoxdesk.labs.models import Finding, Result
from detoxdesk.medications.models import PatientFacts
from factories_labs import record_result, record_screen
from factories_medications import make_facts

pytestmark = pytest.mark.django_db


def _facts(unit):
    return PatientFacts.objects.filter(episode=unit.episode).first()


def test_it_records_a_screen_with_its_findings_codes_and_audit(unit):
    result = record_screen(unit.episode, unit.nurse, fentanyl="positive")
    assert (result.patient, result.method, result.recorded_by) == (
        unit.patient,
        "point_of_care",
        unit.nurse,
    )
    rows = {f.analyte: (f.outcome, f.loinc) for f in result.findings.all()}
    assert rows["fentanyl"] == ("positive", "59673-4")
    assert rows["buprenorphine"] == ("negative", "")
    assert len(rows) == 8
    event = AuditEvent.objects.get(event="lab_result.recorded")
    assert (event.actor, event.patient_id, event.facility_id) == (
        unit.nurse,
        unit.patient.pk,
        unit.ward.pk,
    )
    assert event.changes["findings"]["fentanyl"] == "positive"


def test_it_sets_fentanyl_exposure_on_a_positive_fentanyl_screen(unit):
    make_facts(unit.episode, unit.prescriber, fentanyl_exposure=False)
    record_screen(unit.episode, unit.nurse, fentanyl="positive")
    assert _facts(unit).fentanyl_exposure is True
    assert AuditEvent.objects.filter(event="medication_facts.updated").count() == 2


def test_a_negative_screen_changes_no_fact(unit):
    make_facts(unit.episode, unit.prescriber, fentanyl_exposure=True)
    record_screen(unit.episode, unit.nurse)
    assert _facts(unit).fentanyl_exposure is True
    assert AuditEvent.objects.filter(event="medication_facts.updated").count() == 1


def test_it_sets_pregnancy_on_a_positive_test(unit):
    assert _facts(unit) is None
    record_result(unit.episode, unit.nurse, "pregnancy", {"hcg": "positive"}, specimen="urine")
    facts = _facts(unit)
    assert facts is not None and facts.pregnant is True


def test_a_negative_pregnancy_test_leaves_pregnancy_as_recorded(unit):
    record_result(unit.episode, unit.nurse, "pregnancy", {"hcg": "negative"}, specimen="urine")
    assert _facts(unit) is None


def test_it_records_a_newer_qtc_as_the_one_the_checks_use(unit):
    old = timezone.now() - timedelta(days=3)
    make_facts(unit.episode, unit.prescriber, qtc_ms=430, qtc_measured_at=old)
    at = timezone.now() - timedelta(hours=1)
    record_result(unit.episode, unit.nurse, "ecg", {"qtc": 510}, specimen="ecg", at=at)
    facts = _facts(unit)
    assert (facts.qtc_ms, facts.qtc_measured_at) == (510, at)


def test_it_keeps_a_later_qtc_over_an_older_result(unit):
    recent = timezone.now() - timedelta(hours=1)
    make_facts(unit.episode, unit.prescriber, qtc_ms=430, qtc_measured_at=recent)
    older = timezone.now() - timedelta(days=2)
    result = record_result(unit.episode, unit.nurse, "ecg", {"qtc": 480}, specimen="ecg", at=older)
    facts = _facts(unit)
    assert (facts.qtc_ms, facts.qtc_measured_at) == (430, recent)
    assert result.findings.get().value == 480


def test_it_replaces_a_qtc_recorded_without_a_time(unit):
    make_facts(unit.episode, unit.prescriber, qtc_ms=430)
    record_result(unit.episode, unit.nurse, "ecg", {"qtc": 455}, specimen="ecg")
    assert _facts(unit).qtc_ms == 455


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"specimen": "blood"}, "specimen"),
        ({"specimen_at": None}, "specimen_at"),
        ({"method": "mail"}, "method"),
        ({"findings": {"fentanyl": "maybe"}}, "fentanyl"),
        ({"findings": {"qtc": "500"}}, "qtc"),
        ({"findings": {}}, "fentanyl"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_saves_nothing(unit, changes, field):
    values = {
        "panel": "urine_drug_screen",
        "specimen": "urine",
        "specimen_at": timezone.now() - timedelta(hours=1),
        "method": "point_of_care",
        "findings": {"fentanyl": "positive"},
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        actions.do_record_result(unit.episode, acting_user=unit.nurse, **values)
    assert field in caught.value.message_dict
    assert not Result.objects.exists() and not Finding.objects.exists()
    assert _facts(unit) is None


@pytest.mark.parametrize(
    ("qtc", "ok"), [(199, False), (200, True), (800, True), (801, False), ("450.5", False)]
)
def test_it_takes_a_qtc_within_the_entry_limits(unit, qtc, ok):
    values = {
        "panel": "ecg",
        "specimen": "ecg",
        "specimen_at": timezone.now(),
        "method": "laboratory",
    }
    if ok:
        actions.do_record_result(
            unit.episode, acting_user=unit.prescriber, findings={"qtc": qtc}, **values
        )
    else:
        with pytest.raises(ValidationError, match="whole number of ms from 200 to 800"):
            actions.do_record_result(
                unit.episode, acting_user=unit.prescriber, findings={"qtc": qtc}, **values
            )


def test_it_refuses_a_time_in_the_future(unit):
    with pytest.raises(ValidationError, match="future"):
        record_screen(unit.episode, unit.nurse, at=timezone.now() + timedelta(minutes=5))


def test_it_refuses_an_analyte_the_panel_does_not_report(unit):
    with pytest.raises(ValidationError, match="does not report qtc"):
        record_screen(unit.episode, unit.nurse, qtc="450")


def test_a_nurse_records_point_of_care_but_not_laboratory_results(unit):
    with pytest.raises(PermissionDenied):
        record_screen_lab = record_result
        record_screen_lab(
            unit.episode,
            unit.nurse,
            "alcohol",
            {"alcohol": "positive"},
            specimen="blood",
            method="laboratory",
        )
    record_result(
        unit.episode,
        unit.prescriber,
        "alcohol",
        {"alcohol": "positive"},
        specimen="blood",
        method="laboratory",
    )
    assert Result.objects.count() == 1


@pytest.mark.parametrize("persona", ["counselor", "director", "auditor", "coordinator", "outsider"])
def test_roles_without_the_capability_record_nothing(unit, persona):
    with pytest.raises(PermissionDenied):
        record_screen(unit.episode, getattr(unit, persona))
    assert not Result.objects.exists()


def test_it_refuses_an_ended_episode(unit):
    unit.episode.status = "discharged"
    unit.episode.save()
    with pytest.raises(ValidationError, match="ended"):
        record_screen(unit.episode, unit.nurse)


def test_every_role_that_records_results_may_update_the_facts_they_feed():
    from detoxdesk.accounts import permissions

    # do_record_result writes the facts through medications' do_update_facts, which asks for
    # episode.configure: a role given lab.record without it could record no positive result.
    recorders = set(permissions.roles_with(permissions.LAB_RECORD))
    assert recorders and recorders <= set(permissions.roles_with(permissions.EPISODE_CONFIGURE))
