"""Medical emergency disclosures (42 CFR 2.51): no consent, the mandatory record, the director."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures import actions, queries
from detoxdesk.disclosures.models import Disclosure

pytestmark = pytest.mark.django_db


def emergency(unit, **overrides):
    values = {
        "user": unit.nurse,
        "patient": unit.patient,
        "personnel": "Dr Ana Ruiz",
        "personnel_facility": "St Mary Emergency Department",
        "nature": "Unresponsive after transfer; treating team needs current medications.",
        "information": "chart",
        "episode": unit.episode,
    }
    values.update(overrides)
    return actions.do_disclose_emergency(**values)


def test_it_records_the_mandatory_fields_without_a_consent(unit) -> None:
    disclosure = emergency(unit)
    assert disclosure.legal_basis == Disclosure.LegalBasis.MEDICAL_EMERGENCY
    assert disclosure.consent is None
    assert disclosure.emergency_personnel == "Dr Ana Ruiz"
    assert disclosure.emergency_facility == "St Mary Emergency Department"
    assert disclosure.disclosed_by == unit.nurse
    assert disclosure.facility == unit.ward
    assert disclosure.consent_copy["medical_emergency"]["nature_of_emergency"].startswith("Unresp")
    assert AuditEvent.objects.filter(event="disclosure.emergency").count() == 1


@pytest.mark.parametrize("field", ["personnel", "personnel_facility", "nature"])
def test_it_refuses_a_missing_mandatory_field(unit, field) -> None:
    with pytest.raises(ValidationError) as refused:
        emergency(unit, **{field: "  "})
    assert field in refused.value.message_dict
    assert not Disclosure.objects.exists()


def test_it_is_flagged_to_the_director_until_reviewed(unit) -> None:
    disclosure = emergency(unit)
    assert list(queries.emergencies_to_review({unit.ward.pk})) == [disclosure]
    assert list(queries.emergencies_to_review({unit.other.pk})) == []
    with pytest.raises(PermissionDenied):
        actions.do_review_emergency(disclosure, user=unit.nurse)
    actions.do_review_emergency(disclosure, user=unit.director)
    assert list(queries.emergencies_to_review({unit.ward.pk})) == []
    with pytest.raises(ValidationError):
        actions.do_review_emergency(disclosure, user=unit.director)


def test_it_shows_in_the_accounting(unit) -> None:
    disclosure = emergency(unit)
    assert list(queries.accounting(unit.patient)) == [disclosure]


def test_counselors_cannot_disclose_in_an_emergency(unit) -> None:
    with pytest.raises(PermissionDenied):
        emergency(unit, user=unit.counselor)
