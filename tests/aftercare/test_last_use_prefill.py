"""The naltrexone item's last opioid use: the medication record first, the evaluation otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from detoxdesk.aftercare import integrations
from detoxdesk.medications import actions as medications
from factories import Unit
from factories_aftercare import start_discharge
from factories_intake import make_signed_evaluation
from factories_medications import make_facts, sign_prn

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def _moud_initial(unit: Unit, as_user) -> dict:
    discharge = start_discharge(unit)
    page = as_user(unit.nurse).get(reverse("aftercare:item", args=[discharge.uuid, "moud"]))
    return page.context["form"].initial


@pytest.mark.now(NOW, tick=False)
def test_it_prefills_from_the_evaluation_when_nothing_else_is_known(unit: Unit, as_user) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=20)
    initial = _moud_initial(unit, as_user)
    assert (initial["opioid_class"], initial["last_opioid_use"]) == (
        "short_acting",
        NOW - timedelta(hours=20),
    )


@pytest.mark.now(NOW, tick=False)
def test_it_keeps_a_more_recent_dose_given_here(unit: Unit, as_user) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=20)
    order = sign_prn(
        unit.episode,
        unit.prescriber,
        "methadone",
        "20",
        "opioid withdrawal",
        acknowledge_warnings=True,
    )
    given_at = NOW - timedelta(hours=2)
    medications.do_record_administration(
        order,
        acting_user=unit.nurse,
        outcome="given",
        occurred_at=given_at,
        # methadone with no QTc on file is a warning since issue 10
        confirmation=medications.DoseConfirmation(acknowledge_warnings=True),
    )
    initial = _moud_initial(unit, as_user)
    assert (initial["opioid_class"], initial["last_opioid_use"]) == ("methadone", given_at)


@pytest.mark.now(NOW, tick=False)
def test_it_keeps_more_recent_medication_facts(unit: Unit) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=20)
    recorded = NOW - timedelta(hours=5)
    make_facts(unit.episode, unit.prescriber, opioid_class="methadone", last_opioid_use_at=recorded)
    assert integrations.last_opioid_use(unit.episode) == ("methadone", recorded)


@pytest.mark.now(NOW, tick=False)
def test_it_prefers_a_later_evaluation_use_to_older_facts(unit: Unit) -> None:
    make_facts(
        unit.episode,
        unit.prescriber,
        opioid_class="methadone",
        last_opioid_use_at=NOW - timedelta(hours=40),
    )
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=20)
    assert integrations.last_opioid_use(unit.episode) == (
        "short_acting",
        NOW - timedelta(hours=20),
    )


@pytest.mark.now(NOW, tick=False)
def test_it_gives_the_medication_record_the_tie(unit: Unit) -> None:
    same = NOW - timedelta(hours=20)
    make_facts(unit.episode, unit.prescriber, opioid_class="methadone", last_opioid_use_at=same)
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=20)
    assert integrations.last_opioid_use(unit.episode) == ("methadone", same)


@pytest.mark.now(NOW, tick=False)
def test_it_offers_nothing_when_nothing_is_known(unit: Unit) -> None:
    assert integrations.last_opioid_use(unit.episode) is None
