"""MOUD at discharge: with opioid use disorder on record it is offered and accepted or declined,
never "not applicable", on the full bundle and the against-advice path alike; inpatient-only
medicines stay off "Your medicines"."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.aftercare import actions, integrations
from detoxdesk.medications import actions as medications
from factories import Unit
from factories_aftercare import start_discharge
from factories_intake import make_signed_evaluation
from factories_medications import make_facts, sign_prn, sign_scheduled

pytestmark = pytest.mark.django_db

AMA_BASICS = {"naloxone": "dispensed", "overdose_warning_given": "on", "crisis_numbers_given": "on"}


@pytest.fixture
def oud(unit: Unit) -> Unit:
    """The unit's patient, with daily heroin use on a signed evaluation."""
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber)
    return unit


def test_it_reads_opioid_use_disorder_from_the_evaluation(unit: Unit) -> None:
    assert not integrations.opioid_use_disorder(unit.episode)
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber)
    assert integrations.opioid_use_disorder(unit.episode)


def test_an_evaluation_of_alcohol_alone_is_not_opioid_use_disorder(unit: Unit) -> None:
    alcohol = [{"name": "alcohol", "daily_use": True, "last_use": timezone.now().isoformat()}]
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, substances=alcohol)
    assert not integrations.opioid_use_disorder(unit.episode)


def test_it_reads_opioid_use_disorder_from_the_medication_facts(unit: Unit) -> None:
    make_facts(unit.episode, unit.prescriber, opioid_class="fentanyl")
    assert integrations.opioid_use_disorder(unit.episode)


def test_it_reads_opioid_use_disorder_from_moud_given_here(unit: Unit) -> None:
    order = sign_prn(
        unit.episode,
        unit.prescriber,
        "methadone",
        "20",
        "opioid withdrawal",
        acknowledge_warnings=True,  # no QTc on file
    )
    medications.do_record_administration(
        order,
        acting_user=unit.nurse,
        outcome="given",
        occurred_at=timezone.now(),
        confirmation=medications.DoseConfirmation(acknowledge_warnings=True),  # no QTc on file
    )
    assert integrations.opioid_use_disorder(unit.episode)


def test_the_moud_item_offers_no_not_applicable_with_oud(oud: Unit, as_user) -> None:
    discharge = start_discharge(oud)
    url = reverse("aftercare:item", args=[discharge.uuid, "moud"])
    client = as_user(oud.nurse)
    page = client.get(url)
    choices = [value for value, _ in page.context["form"].fields["status"].choices]
    assert choices == ["done", "declined"]
    assert "Opioid use disorder is recorded" in page.content.decode()
    response = client.post(url, {"status": "not_applicable", "reason": "Going home"})
    assert response.status_code == 200
    assert discharge.items.get(code="moud").status == "open"


def test_the_action_refuses_moud_not_applicable_with_oud(oud: Unit) -> None:
    discharge = start_discharge(oud)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_item(
            discharge, "moud", acting_user=oud.nurse, status="not_applicable", reason="n/a"
        )
    assert "Opioid use disorder is recorded" in caught.value.message_dict["status"][0]
    actions.do_record_item(
        discharge, "moud", acting_user=oud.nurse, status="declined", reason="Wants no medication"
    )
    assert discharge.items.get(code="moud").status == "declined"


def test_without_oud_on_record_moud_may_be_not_applicable(unit: Unit) -> None:
    discharge = start_discharge(unit)
    actions.do_record_item(
        discharge, "moud", acting_user=unit.nurse, status="not_applicable", reason="Alcohol only"
    )
    assert discharge.items.get(code="moud").status == "not_applicable"


def test_signing_refuses_a_not_applicable_moud_once_oud_is_recorded(unit: Unit) -> None:
    discharge = start_discharge(unit)
    actions.do_record_item(
        discharge, "moud", acting_user=unit.nurse, status="not_applicable", reason="Not known"
    )
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber)
    problems = actions.signing_problems(discharge, timezone.now())
    assert "Opioid use disorder is recorded" in problems["moud"]


def test_the_ama_path_refuses_to_leave_the_moud_offer_unrecorded(oud: Unit, as_user) -> None:
    discharge = start_discharge(oud, kind="ama")
    response = as_user(oud.nurse).post(
        reverse("aftercare:ama", args=[discharge.uuid]), {**AMA_BASICS, "sign": "1"}
    )
    assert response.status_code == 200
    assert "record the MOUD offer" in response.context["form"].errors["moud"][0]
    discharge.refresh_from_db()
    assert not discharge.is_signed
    assert discharge.items.get(code="naloxone").status == "open"  # nothing partial was saved


def test_the_ama_path_records_a_bridge_prescription(oud: Unit, as_user) -> None:
    discharge = start_discharge(oud, kind="ama")
    client = as_user(oud.nurse)
    bridge = {"moud": "bridge", "bridge_drug": "buprenorphine_naloxone", "bridge_dose_mg": "16"}
    response = client.post(
        reverse("aftercare:ama", args=[discharge.uuid]), {**AMA_BASICS, **bridge}
    )
    assert response.context["form"].errors["bridge_days"] == [
        "Give the number of days the prescription covers."
    ]
    response = client.post(
        reverse("aftercare:ama", args=[discharge.uuid]),
        {**AMA_BASICS, **bridge, "bridge_days": "7", "sign": "1"},
        follow=True,
    )
    item = discharge.items.get(code="moud")
    assert (item.status, item.details["bridge_drug"], item.details["bridge_days"]) == (
        "done",
        "buprenorphine_naloxone",
        7,
    )
    assert item.details["bridge_dose_mg"] == "16"
    assert "Buprenorphine/naloxone: 16 mg a day for 7 days." in response.content.decode()


def test_the_ama_path_records_a_declined_offer_with_its_reason(oud: Unit, as_user) -> None:
    discharge = start_discharge(oud, kind="ama")
    client = as_user(oud.nurse)
    url = reverse("aftercare:ama", args=[discharge.uuid])
    response = client.post(url, {**AMA_BASICS, "moud": "declined"})
    assert "not_given_reason" in response.context["form"].errors
    client.post(url, {**AMA_BASICS, "moud": "declined", "not_given_reason": "Will see own GP"})
    item = discharge.items.get(code="moud")
    assert (item.status, item.reason) == ("declined", "Will see own GP")


def test_inpatient_only_medicines_are_not_listed_as_your_medicines(unit: Unit, as_user) -> None:
    ok = {"acknowledge_warnings": True, "override_reason": "Test"}
    bup = sign_scheduled(
        unit.episode, unit.prescriber, "buprenorphine", "8", time(9), route="sublingual", **ok
    )
    lofexidine = sign_scheduled(unit.episode, unit.prescriber, "lofexidine", "0.54", time(8), **ok)
    loperamide = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "loose stool", **ok)
    discharge = start_discharge(unit)
    assert discharge.medications_text == bup.summary
    summary = as_user(unit.nurse).get(reverse("aftercare:summary", args=[discharge.uuid]))
    text = summary.content.decode()
    assert bup.summary in text
    assert lofexidine.summary not in text and loperamide.summary not in text
    assert "Lofexidine" not in text and "Loperamide" not in text
    edit = as_user(unit.nurse).get(reverse("aftercare:edit_summary", args=[discharge.uuid]))
    assert "Medicines used only on the unit (Lofexidine, Loperamide) are left out" in (
        edit.content.decode()
    )
