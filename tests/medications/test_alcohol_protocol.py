"""The symptom-triggered benzodiazepine protocol for alcohol withdrawal (SPEC A6.2-A6.4): set by
the medical director (version check, audited), listed on the go-live page while unset, proposed
for a high-risk patient, and once set a CIWA-Ar at or above the trigger makes the PRN eligible and
starts the re-assessment clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake.models import Evaluation
from detoxdesk.medications import actions, ordersets
from detoxdesk.medications.mar import build_mar
from detoxdesk.medications.models import MedicationSettings
from detoxdesk.medications.policy import alcohol_protocol, program_policy, settings_for
from detoxdesk.monitoring import actions as monitoring
from detoxdesk.patients import golive
from factories_medications import make_settings

NY = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
PROTOCOL = {
    "ciwa_drug": "lorazepam",
    "ciwa_trigger": 10,
    "ciwa_dose_mg": Decimal(2),
    "ciwa_reassess_min": 60,
}
URL = "medications:alcohol_protocol"
CIWA_ZERO = dict.fromkeys(
    [
        "nausea_vomiting",
        "tremor",
        "paroxysmal_sweats",
        "anxiety",
        "agitation",
        "tactile_disturbances",
        "auditory_disturbances",
        "visual_disturbances",
        "headache",
        "orientation",
    ],
    0,
)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def record_ciwa(unit, total, at):
    """A CIWA-Ar of ``total`` (7 from nausea, the rest from tremor, up to 14)."""
    items = {**CIWA_ZERO, "nausea_vomiting": min(total, 7), "tremor": max(total - 7, 0)}
    return monitoring.do_record_assessment(
        unit.episode, "ciwa_ar", items, acting_user=unit.nurse, performed_at=at, now=START
    )


def set_protocol(unit, **values):
    current = settings_for(unit.program)
    return actions.do_set_alcohol_protocol(
        unit.program,
        acting_user=unit.director,
        version=actions.alcohol_protocol_version(current),
        **values,
    )


def sign_from_set(unit):
    sets = ordersets.order_sets(
        program_policy(settings_for(unit.program)),
        START.date(),
        ciwa_enabled=False,
        protocol=alcohol_protocol(settings_for(unit.program)),
    )
    found = ordersets.find(sets, ordersets.CIWA_BENZODIAZEPINE)
    assert found is not None
    initial = found.initial
    return actions.do_sign_order(
        unit.episode,
        acting_user=unit.prescriber,
        drug=initial["drug"],
        dose_mg=initial["dose_mg"],
        route=initial["route"],
        prn_indication=initial["prn_indication"],
        trigger_scale=initial["trigger_scale"],
        trigger_min_total=initial["trigger_min_total"],
        protocol=ordersets.CIWA_BENZODIAZEPINE,
        acknowledge_warnings=True,
    )


# --- The settings page ----------------------------------------------------------------------------


def test_the_director_sets_the_protocol_on_its_page_and_it_is_audited(unit, as_user):
    client = as_user(unit.director)
    page = client.get(reverse(URL))
    assert page.status_code == 200 and "Reference only, not a default" in page.content.decode()
    version = page.context["form"].initial["version"]
    data = {
        "version": version,
        "ciwa_drug": "lorazepam",
        "ciwa_trigger": "10",
        "ciwa_dose_mg": "2",
        "ciwa_reassess_min": "60",
    }
    assert client.post(reverse(URL), data).status_code == 302
    row = MedicationSettings.objects.get(program=unit.program)
    assert (row.ciwa_drug, row.ciwa_trigger, row.ciwa_dose_mg, row.ciwa_reassess_min) == (
        "lorazepam",
        10,
        Decimal(2),
        60,
    )
    event = AuditEvent.objects.get(event="alcohol_protocol.updated")
    assert event.changes["ciwa_trigger"] == [None, 10]
    assert alcohol_protocol(row).is_set


def test_a_stale_form_is_refused_and_nothing_is_saved(unit, as_user):
    client = as_user(unit.director)
    version = client.get(reverse(URL)).context["form"].initial["version"]
    set_protocol(unit, ciwa_trigger=12)
    response = client.post(reverse(URL), {"version": version, "ciwa_trigger": "8"})
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert MedicationSettings.objects.get(program=unit.program).ciwa_trigger == 12


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ciwa_trigger": 68}, "ciwa_trigger"),
        ({"ciwa_drug": "clonidine"}, "ciwa_drug"),
        ({"ciwa_dose_mg": Decimal(0)}, "ciwa_dose_mg"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(unit, values, field):
    with pytest.raises(ValidationError) as refused:
        set_protocol(unit, **values)
    assert field in refused.value.message_dict
    assert not MedicationSettings.objects.filter(program=unit.program).exists()


@pytest.mark.parametrize(("persona", "status"), [("nurse", 403), ("prescriber", 403)])
def test_others_cannot_open_the_page(unit, as_user, persona, status):
    assert as_user(getattr(unit, persona)).get(reverse(URL)).status_code == status


# --- Go-live --------------------------------------------------------------------------------------


def alcohol_rows(unit):
    return [
        item.name
        for item in golive.unset_parameters(unit.program)
        if item.area == "Alcohol withdrawal"
    ]


def test_the_go_live_page_lists_every_part_while_unset(unit, as_user):
    assert alcohol_rows(unit) == [
        "Symptom-triggered benzodiazepine: the drug",
        "CIWA-Ar trigger of the symptom-triggered benzodiazepine",
        "Symptom-triggered benzodiazepine: dose at each trigger (mg)",
        "Symptom-triggered benzodiazepine: re-assessment time (min)",
        "Phenobarbital option: loading dose (mg/kg)",
        "Thiamine regimen for suspected Wernicke encephalopathy",
    ]
    page = as_user(unit.director).get(reverse("patients:go_live")).content.decode()
    assert "CIWA-Ar trigger of the symptom-triggered benzodiazepine" in page
    assert reverse(URL) in page


def test_a_set_part_leaves_the_go_live_list(unit):
    set_protocol(unit, **PROTOCOL, phenobarbital_loading_mg_per_kg=Decimal(10))
    assert alcohol_rows(unit) == ["Thiamine regimen for suspected Wernicke encephalopathy"]


# --- The order set --------------------------------------------------------------------------------


def sets_for(unit, **kwargs):
    settings = settings_for(unit.program)
    return ordersets.order_sets(
        program_policy(settings),
        START.date(),
        ciwa_enabled=settings.ciwa_benzodiazepine_enabled,
        protocol=alcohol_protocol(settings),
        **kwargs,
    )


def test_unset_the_set_is_not_offered_nor_prefilled(unit):
    assert ordersets.find(sets_for(unit), ordersets.CIWA_BENZODIAZEPINE) is None
    make_settings(unit.program, ciwa_benzodiazepine_enabled=True)
    found = ordersets.find(sets_for(unit), ordersets.CIWA_BENZODIAZEPINE)
    assert found is not None
    assert "dose_mg" not in found.initial and "trigger_min_total" not in found.initial
    assert any("has not set its protocol" in note for note in found.notes)


def test_once_set_the_set_is_prefilled_from_the_protocol_with_thiamine(unit):
    set_protocol(unit, **PROTOCOL)
    found = ordersets.find(sets_for(unit), ordersets.CIWA_BENZODIAZEPINE)
    assert found is not None
    assert (
        found.initial["drug"],
        found.initial["dose_mg"],
        found.initial["trigger_min_total"],
    ) == (
        "lorazepam",
        Decimal(2),
        10,
    )
    assert any(note.startswith("Thiamine: Give thiamine") for note in found.notes)


def test_a_high_risk_evaluation_proposes_the_set_first(unit, as_user):
    page = as_user(unit.prescriber).get(reverse("medications:order_sets", args=[unit.episode.uuid]))
    assert "Proposed for this patient" not in page.content.decode()
    Evaluation.objects.create(
        patient=unit.patient,
        facility=unit.ward,
        episode=unit.episode,
        created_by=unit.nurse,
        status=Evaluation.Status.SIGNED,
        placement={"flags": ["alcohol_withdrawal_high_risk"]},
    )
    page = as_user(unit.prescriber).get(reverse("medications:order_sets", args=[unit.episode.uuid]))
    text = page.content.decode()
    assert "Proposed for this patient" in text and "benzodiazepine-based plan" in text
    first = page.context["sets"][0]
    assert first.code == ordersets.CIWA_BENZODIAZEPINE and first.proposed


# --- The medication record: eligibility and the re-assessment clock -------------------------------


def test_once_set_a_ciwa_at_the_trigger_makes_the_prn_eligible_and_starts_the_clock(
    clock, unit, as_user
):
    set_protocol(unit, **PROTOCOL)
    order = sign_from_set(unit)
    record_ciwa(unit, 9, START - timedelta(minutes=20))
    record = build_mar(unit.episode, START)
    assert record.prn[0].trigger_met is False and not record.prn[0].eligible
    assert record.ciwa_clock is None
    at = START - timedelta(minutes=10)
    record_ciwa(unit, 10, at)
    record = build_mar(unit.episode, START)
    assert record.prn[0].trigger_met is True and record.prn[0].eligible
    assert record.ciwa_clock is not None
    assert (record.ciwa_clock.due_at, record.ciwa_clock.done_by) == (
        at + timedelta(minutes=60),
        None,
    )
    page = as_user(unit.nurse).get(reverse("medications:mar", args=[unit.episode.uuid]))
    assert "CIWA-Ar 10 at 08:50 reached the trigger of 10" in page.content.decode()
    assert "CIWA-Ar due again at 09:50" in page.content.decode()
    actions.do_record_administration(
        order,
        acting_user=unit.nurse,
        outcome="given",
        occurred_at=START,
        confirmation=actions.DoseConfirmation(acknowledge_warnings=True),
    )
    (item,) = build_mar(unit.episode, START).reassessments
    assert item.due_at == START + timedelta(minutes=60)


def test_a_later_ciwa_stops_the_clock(clock, unit):
    set_protocol(unit, **PROTOCOL)
    sign_from_set(unit)
    record_ciwa(unit, 11, START - timedelta(minutes=70))
    later = record_ciwa(unit, 6, START - timedelta(minutes=5))
    clock_now = build_mar(unit.episode, START).ciwa_clock
    assert clock_now is not None and clock_now.done_by == later


def test_unset_nothing_starts_a_clock_whatever_the_ciwa(clock, unit, as_user):
    make_settings(unit.program, ciwa_benzodiazepine_enabled=True)
    actions.do_sign_order(
        unit.episode,
        acting_user=unit.prescriber,
        drug="lorazepam",
        dose_mg=Decimal(1),
        route="oral",
        prn_indication="alcohol withdrawal",
        trigger_scale="ciwa_ar",
        trigger_min_total=12,
        protocol=ordersets.CIWA_BENZODIAZEPINE,
        acknowledge_warnings=True,
    )
    record_ciwa(unit, 14, START - timedelta(minutes=5))
    assert build_mar(unit.episode, START).ciwa_clock is None
    page = as_user(unit.nurse).get(reverse("medications:mar", args=[unit.episode.uuid]))
    assert "CIWA-Ar re-assessment" not in page.content.decode()


def test_the_phenobarbital_option_and_wernicke_regimen_reach_the_order_set_once_set(unit, as_user):
    make_settings(unit.program, ciwa_benzodiazepine_enabled=True)
    url = reverse("medications:new_order", args=[unit.episode.uuid, ordersets.CIWA_BENZODIAZEPINE])
    client = as_user(unit.prescriber)
    assert "Phenobarbital option" not in client.get(url).content.decode()
    set_protocol(
        unit,
        phenobarbital_loading_mg_per_kg=Decimal("7.5"),
        wernicke_thiamine_regimen="As the unit protocol says.",
    )
    text = client.get(url).content.decode()
    assert "Phenobarbital option (the program&#x27;s protocol): 7.5 mg/kg loading dose." in text
    assert "Suspected Wernicke encephalopathy (the program&#x27;s regimen): As the unit" in text
