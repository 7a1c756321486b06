from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.monitoring import actions, board
from detoxdesk.monitoring.models import VitalSigns


def record(unit, minutes_ago=10, **values):
    return actions.do_record_vitals(
        unit.episode,
        values,
        acting_user=unit.nurse,
        measured_at=timezone.now() - timedelta(minutes=minutes_ago),
        confirmed=True,
    )


@pytest.mark.parametrize(
    ("values", "critical"),
    [
        ({"respiratory_rate": 8}, ["Critical: Respiratory rate 8 /min"]),
        ({"respiratory_rate": 9}, []),
        ({"respiratory_rate": 25}, ["Critical: Respiratory rate 25 /min"]),
        ({"spo2": 91}, ["Critical: Oxygen saturation (SpO2) 91 %"]),
        ({"spo2": 92}, []),
        ({"systolic": 90, "diastolic": 50}, ["Critical: Systolic blood pressure 90 mmHg"]),
        ({"systolic": 91, "diastolic": 50}, []),
        ({"heart_rate": 40}, ["Critical: Heart rate 40 /min"]),
        ({"heart_rate": 131}, ["Critical: Heart rate 131 /min"]),
        ({"heart_rate": 130}, []),
        ({"temperature_c": 35.0}, ["Critical: Temperature 35.0 °C"]),
        ({"temperature_c": 35.1}, []),
        (
            {"systolic": 45, "diastolic": 30, "respiratory_rate": 4, "spo2": 45},
            [
                "Critical: Systolic blood pressure 45 mmHg",
                "Critical: Respiratory rate 4 /min",
                "Critical: Oxygen saturation (SpO2) 45 %",
            ],
        ),
    ],
)
def test_it_marks_every_news2_band_that_scores_3(unit, values, critical):
    row = VitalSigns.objects.get(pk=record(unit, **values).pk)
    assert [c.text for c in board.critical_for(row)] == critical


def test_the_census_board_flags_a_critical_sign_with_words(unit, as_user):
    record(unit, respiratory_rate=4, heart_rate=72)
    response = as_user(unit.nurse).get(reverse("patients:census"))
    (row,) = response.context["rows"]
    assert row["critical"]
    assert row["vitals"]["critical"] == ["Critical: Respiratory rate 4 /min"]
    body = response.content.decode()
    assert "Critical: Respiratory rate 4 /min" in body
    assert 'class="has-critical"' in body
    assert '<li class="critical">RR 4' in body
    assert "<li>HR 72" in body


def test_the_board_shows_no_critical_mark_for_ordinary_vitals(unit, as_user):
    record(unit, respiratory_rate=16, heart_rate=72)
    body = as_user(unit.nurse).get(reverse("patients:census")).content.decode()
    assert "Critical" not in body and "has-critical" not in body


def test_the_chart_alerts_on_critical_vitals_and_marks_them_in_the_table(unit, as_user):
    record(unit, minutes_ago=60, systolic=45, diastolic=30, spo2=45)
    response = as_user(unit.counselor).get(reverse("patients:chart", args=[unit.patient.uuid]))
    body = response.content.decode()
    alert = body.split('<div class="critical-alert" role="alert">')[1].split("</div>")[0]
    assert "Critical: Systolic blood pressure 45 mmHg" in alert
    assert "Critical: Oxygen saturation (SpO2) 45 %" in alert
    assert "NEWS2" in alert
    assert '<td class="critical">45/30</td>' in body
    assert "confirmed unusual values as measured" in body


def test_the_chart_alert_follows_the_latest_vitals_only(unit, as_user):
    record(unit, minutes_ago=60, respiratory_rate=4)
    record(unit, minutes_ago=5, respiratory_rate=16)
    body = as_user(unit.nurse).get(reverse("patients:chart", args=[unit.patient.uuid])).content
    text = body.decode()
    assert "critical-alert" not in text
    assert "Critical: Respiratory rate 4 /min" in text  # still marked in the history table
