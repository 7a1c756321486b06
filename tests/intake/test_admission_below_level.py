"""Admission below the level of care decided at evaluation: a warning acknowledged with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import admission
from detoxdesk.intake import actions
from detoxdesk.patients.models import Bed, Episode, Facility
from factories import make_patient, make_user
from factories_intake import make_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(unit):
    return make_patient(unit.program, registered_at=unit.ward)


@pytest.fixture
def decided_4wm(unit, newcomer):
    """A signed evaluation whose decided level is 4-WM (hospital)."""
    evaluation = make_evaluation(newcomer, unit.ward, unit.prescriber, complete=True)
    actions.do_decide_level(
        evaluation, acting_user=unit.prescriber, level="4-WM", reason="Unstable angina"
    )
    return actions.do_sign_evaluation(evaluation, acting_user=unit.prescriber)


@pytest.fixture
def coordinator(unit):
    return make_user(Role.INTAKE_COORDINATOR, unit.ward, unit.other, username="both-sites")


def post(client, evaluation, facility, **extra):
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    data = {
        "facility": facility.pk,
        "admitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }
    return client.post(url, data)


def test_every_facility_kind_has_its_levels_configured() -> None:
    assert set(admission.facility_levels()) == set(Facility.Kind.values)


def test_it_warns_before_admitting_a_4wm_patient_to_the_outpatient_clinic(
    unit, as_user, decided_4wm, coordinator
):
    client = as_user(coordinator)
    url = reverse("intake:admit", kwargs={"evaluation_uuid": decided_4wm.uuid})
    page = client.get(url).content.decode()
    assert "Clinic B (below the decided level of care)" in page
    assert "Clinic B (outpatient clinic) provides 1-WM, 2-WM" in page

    response = post(client, decided_4wm, unit.other)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "This admission is below the decided level" in errors["below_level_acknowledged"][0]
    assert errors["below_level_reason"] == [
        "Say why the patient is admitted below the decided level."
    ]
    assert 'role="alert"' in response.content.decode()
    assert not Episode.objects.filter(patient=decided_4wm.patient).exists()


def test_a_reason_alone_is_not_an_acknowledgement(unit, decided_4wm, coordinator) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.do_admit_from_evaluation(
            decided_4wm,
            unit.other,
            acting_user=coordinator,
            admitted_at=timezone.now(),
            below_level_reason="Declines hospital",
        )
    assert set(caught.value.error_dict) == {"below_level_acknowledged"}
    assert not Episode.objects.filter(patient=decided_4wm.patient).exists()


def test_an_acknowledged_admission_keeps_and_audits_the_reason(
    unit, as_user, decided_4wm, coordinator
):
    response = post(
        as_user(coordinator),
        decided_4wm,
        unit.other,
        below_level_acknowledged="on",
        below_level_reason="Declines hospital admission; daily clinic review agreed",
    )
    # The coordinator admits but reads no charts: the census, not a page that would be a 404.
    assert response["Location"] == reverse("patients:census")
    episode = Episode.objects.get(patient=decided_4wm.patient)
    assert episode.facility == unit.other
    event = AuditEvent.objects.get(event="episode.admitted", patient=decided_4wm.patient)
    below = event.changes["below_level"]
    assert below["reason"] == "Declines hospital admission; daily clinic review agreed"
    assert below["warning"].startswith("The level of care decided at evaluation is 4-WM")
    decided_4wm.refresh_from_db()
    assert decided_4wm.admission_level_reason == below["reason"]

    director = as_user(unit.director)
    for url in (
        reverse("intake:evaluation", kwargs={"evaluation_uuid": decided_4wm.uuid}),
        reverse("patients:chart", args=[decided_4wm.patient.uuid]),
    ):
        text = director.get(url).content.decode()
        assert "Admitted below the decided level:" in text, url
        assert "Declines hospital admission; daily clinic review agreed" in text, url


def test_admission_at_or_above_the_decided_level_asks_nothing(unit, decided_4wm, coordinator):
    bed = Bed.objects.create(facility=unit.ward, label="B02")
    actions.do_admit_from_evaluation(
        decided_4wm, unit.ward, acting_user=coordinator, admitted_at=timezone.now(), bed=bed
    )
    event = AuditEvent.objects.get(event="episode.admitted", patient=decided_4wm.patient)
    assert "below_level" not in event.changes
    decided_4wm.refresh_from_db()
    assert (decided_4wm.admission_level_warning, decided_4wm.admission_level_reason) == ("", "")
