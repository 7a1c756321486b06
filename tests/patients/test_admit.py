from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients import actions
from detoxdesk.patients.models import Bed
from detoxdesk.staff.models import BedStatus
from factories import make_patient


def test_a_nurse_admits_a_patient_with_an_audit_event(unit):
    patient = make_patient(unit.program)
    bed = Bed.objects.create(facility=unit.ward, label="B02")
    episode = actions.do_admit(
        patient, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now(), bed=bed
    )
    event = AuditEvent.objects.get(event="episode.admitted")
    assert (event.patient, event.actor, event.changes) == (
        patient,
        unit.nurse,
        {"bed": "B02", "setting": "inpatient"},
    )
    assert episode.status == "active"


@pytest.mark.parametrize("persona", ["counselor", "director", "auditor", "outsider"])
def test_other_roles_cannot_admit(unit, persona):
    with pytest.raises(PermissionDenied):
        actions.do_admit(
            make_patient(unit.program),
            unit.ward,
            acting_user=getattr(unit, persona),
            admitted_at=timezone.now(),
        )
    assert not AuditEvent.objects.filter(event="episode.admitted").exists()


def test_a_bed_of_another_facility_is_refused(unit):
    with pytest.raises(ValidationError):
        actions.do_admit(
            make_patient(unit.program),
            unit.other,
            acting_user=None,
            admitted_at=timezone.now(),
            bed=unit.bed,
        )


def test_a_counselor_cannot_create_patient_records(unit):
    with pytest.raises(PermissionDenied):
        actions.do_create_patient(
            unit.program,
            acting_user=unit.counselor,
            record_number="X1",
            given_name="A",
            family_name="B",
            date_of_birth="1990-01-01",
        )


def test_it_refuses_an_occupied_bed(unit) -> None:
    with pytest.raises(ValidationError, match="occupied"):
        actions.do_admit(
            make_patient(unit.program),
            unit.ward,
            acting_user=unit.nurse,
            admitted_at=timezone.now(),
            bed=unit.bed,
        )


def test_it_refuses_a_bed_out_of_service(unit) -> None:
    spare = Bed.objects.create(facility=unit.ward, label="B99")
    BedStatus.objects.create(bed=spare, in_service=False, out_of_service_reason="Broken rail")
    with pytest.raises(ValidationError, match="out of service"):
        actions.do_admit(
            make_patient(unit.program),
            unit.ward,
            acting_user=unit.nurse,
            admitted_at=timezone.now(),
            bed=spare,
        )
