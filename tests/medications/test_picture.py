"""One medication picture per episode: orders of any set, taper plans, home medications and the
substances recorded at evaluation reach every safety check."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from detoxdesk.clinical import dosing
from detoxdesk.medications import actions
from detoxdesk.medications.mar import build_mar
from detoxdesk.medications.picture import medication_picture
from detoxdesk.medications.safety import allergy_codes, check_administration, protocol_of
from detoxdesk.patients.actions import do_record_allergy
from detoxdesk.patients.allergies import LEGACY_NOTE_START
from detoxdesk.patients.models import Allergy
from detoxdesk.tapers.models import TaperPlan
from factories_intake import make_signed_evaluation
from factories_medications import make_facts, record_cows, sign_bup_standard, sign_prn
from factories_tapers import make_methadone_plan, make_signed_plan

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW, tick=False)]


def signed_without_times(unit) -> TaperPlan:
    """A methadone taper (30 mg today) signed before times of day were required."""
    plan = make_methadone_plan(unit)
    TaperPlan.objects.filter(pk=plan.pk).update(
        status=TaperPlan.Status.ACTIVE, signed_by=unit.prescriber, signed_at=NOW
    )
    plan.refresh_from_db()
    return plan


def drugs(picture) -> list[tuple[str, Decimal | None, str]]:
    return [(m.drug, m.daily_dose_mg, m.source) for m in picture.medications]


def test_it_lists_orders_prns_tapers_home_medications_and_alcohol(unit):
    make_signed_plan(unit, times_of_day=[time(8)])  # drives a methadone order: 30 mg today
    sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    actions.do_record_home_medication(
        unit.episode,
        acting_user=unit.prescriber,
        drug="gabapentin",
        dose_mg=Decimal(300),
        doses_per_day=3,
    )
    substances = [{"name": "alcohol", "daily_use": True}, {"name": "heroin", "daily_use": True}]
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, substances=substances)
    found = drugs(medication_picture(unit.episode, NOW))
    assert ("methadone", Decimal("30.000"), "order") in found
    assert ("loperamide", None, "prn") in found
    assert ("gabapentin", Decimal(900), "home") in found
    assert ("alcohol", None, "evaluation") in found
    assert not [d for d in found if d[2] == "taper"]  # the taper is there as its order


def test_it_lists_a_signed_taper_without_times_with_the_days_dose(unit):
    signed_without_times(unit)
    found = drugs(medication_picture(unit.episode, NOW))
    assert found == [("methadone", Decimal(30), "taper")]


def test_it_leaves_out_stopped_home_medications(unit):
    row = actions.do_record_home_medication(
        unit.episode, acting_user=unit.prescriber, drug="pregabalin"
    )
    assert drugs(medication_picture(unit.episode, NOW)) == [("pregabalin", None, "home")]
    actions.do_stop_home_medication(row, acting_user=unit.prescriber)
    assert drugs(medication_picture(unit.episode, NOW)) == []


def test_it_shows_a_taper_without_times_on_the_mar_as_due_with_time_not_set(unit, as_user):
    plan = signed_without_times(unit)
    record = build_mar(unit.episode, NOW)
    assert [(t.plan, t.daily_dose, t.reason) for t in record.unscheduled_tapers] == [
        (plan, Decimal(30), "time not set")
    ]
    body = as_user(unit.nurse).get(reverse("medications:mar", args=[unit.episode.uuid]))
    text = body.content.decode()
    assert "Methadone withdrawal taper" in text and "due, time not set" in text


def test_a_buprenorphine_dose_beside_a_taper_without_times_is_an_agonist_conflict(unit):
    signed_without_times(unit)
    make_facts(unit.episode, unit.prescriber, opioid_class="short_acting")
    with pytest.raises(ValidationError, match="override reason"):
        sign_bup_standard(unit.episode, unit.prescriber)  # the stop is seen at signing too
    order = sign_bup_standard(unit.episode, unit.prescriber, override_reason="Taper ended early")
    record_cows(unit.episode, unit.nurse, 14)
    check = check_administration(order, Decimal(4), NOW)
    assert "opioid_agonist_conflict" in [f.code for f in check.stops]
    assert "Methadone taper" in next(f.message for f in check.stops)


def test_it_passes_the_whole_picture_but_the_order_checked(unit, monkeypatch):
    seen: list[dosing.DoseRequest] = []
    real = dosing.check_dose

    def spy(request, policy=None):
        seen.append(request)
        return real(request, policy)

    monkeypatch.setattr(dosing, "check_dose", spy)
    first = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    sign_prn(unit.episode, unit.prescriber, "ondansetron", "4", "nausea")
    seen.clear()
    check_administration(first, Decimal(2), NOW)
    assert [m.drug for m in seen[-1].context.active_medications] == ["ondansetron"]


@pytest.mark.parametrize(
    ("protocol", "expected"),
    [("bup_standard", "standard_start"), ("bup_low_dose", "low_dose_initiation"), ("", None)],
)
def test_it_names_the_protocol_of_the_order_set(unit, protocol, expected):
    order = sign_bup_standard(unit.episode, unit.prescriber, protocol=protocol)
    assert protocol_of(order.line) == expected


def test_it_reads_allergies_as_ingredient_codes_from_the_allergy_record(unit):
    assert allergy_codes(unit.patient) == ()
    for values in ({"substance": "naloxone"}, {"other_substance": "Ondansetron (rash)"}):
        do_record_allergy(unit.patient, acting_user=unit.nurse, values=values)
    # A typed "other substance" matches no product: only the coded entry counts.
    assert allergy_codes(unit.patient) == ("naloxone",)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Ondansetron (rash)", ("ondansetron",)),
        ("naloxone - hives", ("naloxone",)),
        ("Penicillin", ()),
    ],
)
def test_it_still_reads_allergies_copied_from_the_old_text_field_until_reviewed(unit, text, codes):
    Allergy.objects.create(
        patient=unit.patient,
        other_substance=text,
        note=f"{LEGACY_NOTE_START} Review it.",
        recorded_at=timezone.now(),
    )
    assert allergy_codes(unit.patient) == codes


def test_it_passes_the_gate_facts_and_unknown_pregnancy(unit, monkeypatch):
    seen: list[dosing.DoseRequest] = []
    real = dosing.check_dose
    monkeypatch.setattr(dosing, "check_dose", lambda r, p=None: seen.append(r) or real(r, p))
    make_facts(
        unit.episode,
        unit.prescriber,
        opioid_class="fentanyl",
        last_opioid_use_at=datetime(2026, 3, 1, 22, 0, tzinfo=NY),
    )
    order = sign_bup_standard(unit.episode, unit.prescriber)
    seen.clear()
    check_administration(order, Decimal(4), NOW)
    context = seen[-1].context
    assert context.opioid_class == "fentanyl" and context.fentanyl_exposure is True
    assert context.hours_since_last_use == Decimal(12)
    assert context.pregnant is None and context.protocol == "standard_start"


def test_it_reads_the_mar_in_the_same_number_of_queries_for_two_or_four_prns(unit, as_user):
    client = as_user(unit.nurse)
    url = reverse("medications:mar", args=[unit.episode.uuid])
    client.get(url)  # warm the per-process caches
    counts = []
    for drug, indication in (("loperamide", "diarrhoea"), ("ondansetron", "nausea")):
        sign_prn(unit.episode, unit.prescriber, drug, "2", indication)
        sign_prn(unit.episode, unit.prescriber, "clonidine", "0.1", "withdrawal")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("protocol", ["", "bup_low_dose", "bup_standard"])
def test_it_gates_every_first_buprenorphine_dose_whatever_the_order_set(unit, protocol):
    make_facts(unit.episode, unit.prescriber, opioid_class="short_acting")
    order = sign_bup_standard(unit.episode, unit.prescriber, protocol=protocol)
    record_cows(unit.episode, unit.nurse, 6)
    check = check_administration(order, Decimal(4), NOW)
    assert "cows_gate_not_met" in [f.code for f in check.stops]
