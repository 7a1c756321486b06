"""Clinicians read words, never the codes the record stores (flags, routes, substances)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.clinical import placement
from detoxdesk.intake.presentation import placement_view
from detoxdesk.lib import labels
from factories_intake import evaluation_answers, make_evaluation, make_inquiry

pytestmark = pytest.mark.django_db

RAW = ("alcohol_or_sedative_withdrawal_risk", "seizure_history", ">iv<", "prescription_opioid")


def _alcohol_and_injected_heroin(unit):
    heroin = {**evaluation_answers()["substances"][0], "route": "iv"}
    alcohol = {"name": "alcohol", "route": "oral", "frequency": "daily", "daily_use": True}
    return make_evaluation(
        unit.patient,
        unit.ward,
        unit.prescriber,
        complete=True,
        substances=[heroin, alcohol],
        withdrawal_seizures=True,
    )


def test_it_shows_flags_routes_and_substances_in_words_on_the_evaluation(unit, as_user):
    evaluation = _alcohol_and_injected_heroin(unit)
    assert {"alcohol_or_sedative_withdrawal_risk", "seizure_history"} <= set(
        evaluation.placement["flags"]
    )
    url = reverse("intake:evaluation", kwargs={"evaluation_uuid": evaluation.uuid})
    html = as_user(unit.prescriber).get(url).content.decode()
    assert "Alcohol or sedative withdrawal risk" in html
    assert "History of withdrawal seizures" in html
    assert "<td>Injected</td>" in html and "<td>Heroin</td>" in html
    for code in RAW:
        assert code not in html, code


def test_it_shows_the_flags_in_words_on_the_chart(unit, as_user):
    _alcohol_and_injected_heroin(unit)
    url = reverse("patients:chart", kwargs={"patient_uuid": unit.patient.uuid})
    html = as_user(unit.prescriber).get(url).content.decode()
    assert "Alcohol or sedative withdrawal risk" in html
    assert "alcohol_or_sedative_withdrawal_risk" not in html


def test_it_names_the_inquiry_substances_in_words(unit, as_user):
    inquiry = make_inquiry(unit.ward, substances=["prescription_opioid", "benzodiazepine"])
    url = reverse("intake:inquiry", kwargs={"inquiry_uuid": inquiry.uuid})
    html = as_user(unit.coordinator).get(url).content.decode()
    assert "Prescription opioids (pain pills), Benzodiazepines" in html
    assert "prescription_opioid" not in html


def test_every_placement_flag_has_words():
    flags = {rule.flag for rule in placement.RULES if rule.flag}
    assert flags <= set(labels.FLAGS)


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("route", "iv", "Injected"),
        ("flag", "seizure_history", "History of withdrawal seizures"),
        ("opioid_class", "short_acting", "Short-acting opioids (heroin, immediate-release pills)"),
        ("flag", "a_new_flag", "A new flag"),
        ("route", None, ""),
    ],
)
def test_it_looks_a_code_up_in_one_place(kind, code, words):
    assert labels.label(kind, code) == words


def test_it_does_not_call_a_fentanyl_exposure_answered_yes_not_assessed(unit):
    evaluation = make_evaluation(
        unit.patient, unit.ward, unit.prescriber, complete=True, fentanyl_exposure=True
    )
    view = placement_view(evaluation.placement, evaluation.answers)
    assert evaluation.placement["not_assessed"] == []
    assert not any("Not assessed" in line for line in view["rationale"])
    assert "fentanyl_exposure" in evaluation.placement["flags"]


def test_it_says_what_is_unknown_when_no_opioid_says_how_often(unit):
    stimulant = {"name": "stimulant", "route": "smoked", "frequency": "weekly", "daily_use": False}
    evaluation = make_evaluation(
        unit.patient,
        unit.ward,
        unit.prescriber,
        complete=True,
        substances=[stimulant],
        fentanyl_exposure=True,
    )
    view = placement_view(evaluation.placement, evaluation.answers)
    line = next(line for line in view["rationale"] if line.startswith("Not assessed"))
    assert line.startswith("Not assessed: daily use of the fentanyl counted from the answer")
    assert "Not assessed: fentanyl exposure" not in line
