"""The facts page offers the signed evaluation's last opioid use until one is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from detoxdesk.medications.models import PatientFacts
from factories_intake import make_signed_evaluation
from factories_medications import make_facts

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def _facts_page(unit, as_user):
    return as_user(unit.nurse).get(reverse("medications:facts", args=[unit.episode.uuid]))


@pytest.mark.now(NOW, tick=False)
def test_it_offers_the_evaluation_last_use_when_no_facts_are_recorded(unit, as_user) -> None:
    make_signed_evaluation(
        unit.patient,
        unit.ward,
        unit.prescriber,
        substances=[{"name": "fentanyl", "last_use": (NOW - timedelta(hours=9)).isoformat()}],
    )
    response = _facts_page(unit, as_user)
    form = response.context["form"]
    assert form.initial["opioid_class"] == "fentanyl"
    assert form.initial["last_opioid_use_at"] == NOW - timedelta(hours=9)
    assert "Suggested from the evaluation signed" in response.content.decode()
    # Only a starting value: nothing is written until the clinician saves.
    assert not PatientFacts.objects.filter(episode=unit.episode).exists()


@pytest.mark.now(NOW, tick=False)
def test_it_offers_it_when_the_facts_exist_without_a_last_use(unit, as_user) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=6)
    make_facts(unit.episode, unit.prescriber, opioid_class="", pregnant=True)
    form = _facts_page(unit, as_user).context["form"]
    assert form.initial["opioid_class"] == "short_acting"
    assert form.initial["last_opioid_use_at"] == NOW - timedelta(hours=6)
    assert form.initial["pregnant"] is True


@pytest.mark.now(NOW, tick=False)
def test_it_keeps_what_the_facts_already_record(unit, as_user) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=6)
    recorded = NOW - timedelta(hours=30)
    make_facts(unit.episode, unit.prescriber, opioid_class="methadone", last_opioid_use_at=recorded)
    response = _facts_page(unit, as_user)
    form = response.context["form"]
    assert (form.initial["opioid_class"], form.initial["last_opioid_use_at"]) == (
        "methadone",
        recorded,
    )
    assert "Suggested from the evaluation" not in response.content.decode()


@pytest.mark.now(NOW, tick=False)
def test_it_offers_nothing_without_a_signed_evaluation(unit, as_user) -> None:
    form = _facts_page(unit, as_user).context["form"]
    assert "opioid_class" not in form.initial and "last_opioid_use_at" not in form.initial


@pytest.mark.now(NOW, tick=False)
def test_it_saves_what_the_clinician_changed_not_the_suggestion(unit, as_user) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=6)
    response = as_user(unit.nurse).post(
        reverse("medications:facts", args=[unit.episode.uuid]),
        {"opioid_class": "methadone", "last_opioid_use_at": "2026-11-20T08:00"},
    )
    assert response.status_code == 302
    facts = PatientFacts.objects.get(episode=unit.episode)
    assert facts.opioid_class == "methadone"
    assert facts.last_opioid_use_at != NOW - timedelta(hours=6)
