"""The engines read what a result records: buprenorphine readiness sees a positive fentanyl
screen, the methadone checks see the QTc of an ECG, and the withdrawal course counts fentanyl."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from detoxdesk.intake.panels import chart_panel as intake_panel
from detoxdesk.medications.safety import check_administration
from factories_intake import make_signed_evaluation
from factories_labs import record_result, record_screen
from factories_medications import (
    make_facts,
    record_cows,
    record_pdmp,
    sign_bup_standard,
    sign_scheduled,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW, tick=False)]


def _codes(check) -> set[str]:
    return {finding.code for finding in check.findings}


def test_buprenorphine_readiness_sees_a_positive_fentanyl_screen(unit):
    make_facts(
        unit.episode,
        unit.prescriber,
        opioid_class="short_acting",
        last_opioid_use_at=NOW - timedelta(hours=20),
    )
    record_cows(unit.episode, unit.nurse, 14, NOW - timedelta(minutes=20))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    before = _codes(check_administration(order, Decimal(4), NOW))
    assert not any(code.startswith("fentanyl") for code in before)
    record_screen(unit.episode, unit.nurse, fentanyl="positive")
    after = _codes(check_administration(order, Decimal(4), NOW))
    assert "fentanyl_within_48h" in after


def test_the_methadone_check_uses_the_qtc_of_a_recorded_ecg(unit):
    record_pdmp(unit.episode, unit.prescriber)
    make_facts(unit.episode, unit.prescriber, qtc_ms=420, qtc_measured_at=NOW - timedelta(days=5))
    order = sign_scheduled(unit.episode, unit.prescriber, "methadone", "10", time(9))
    assert "qtc_markedly_prolonged" not in _codes(check_administration(order, Decimal(10), NOW))
    record_result(
        unit.episode,
        unit.nurse,
        "ecg",
        {"qtc": 520},
        specimen="ecg",
        at=NOW - timedelta(hours=1),
    )
    assert "qtc_markedly_prolonged" in _codes(check_administration(order, Decimal(10), NOW))


def test_the_withdrawal_course_counts_a_positive_fentanyl_screen(unit):
    make_signed_evaluation(
        unit.patient,
        unit.ward,
        unit.prescriber,
        substances=[{"name": "heroin", "last_use": (NOW - timedelta(hours=10)).isoformat()}],
    )
    shown = intake_panel(unit.episode, user=unit.nurse, now=NOW)["course"]
    record_screen(unit.episode, unit.nurse, fentanyl="positive")
    fentanyl = intake_panel(unit.episode, user=unit.nurse, now=NOW)["course"]
    assert shown["label"] != fentanyl["label"]
    assert "entanyl" in fentanyl["label"]
