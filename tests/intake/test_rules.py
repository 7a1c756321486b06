"""The small transparent rules of this app, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detoxdesk.clinical import course
from detoxdesk.intake import evaluation_data
from detoxdesk.intake.actions import urgency_of
from detoxdesk.intake.models import Inquiry

U, P, R = Inquiry.Urgency.URGENT, Inquiry.Urgency.PRIORITY, Inquiry.Urgency.ROUTINE


@pytest.mark.parametrize(
    ("overdose", "suicide", "substances", "help_now", "expected"),
    [
        (True, False, [], False, U),
        (False, True, ["cannabis"], False, U),
        (False, False, [], True, U),
        (True, False, ["fentanyl"], False, U),
        (False, False, ["fentanyl"], False, P),
        (False, False, ["alcohol"], False, P),
        (False, False, ["benzodiazepine", "heroin"], False, P),
        (False, False, ["heroin"], False, R),
        (False, False, [], False, R),
    ],
)
def test_it_derives_the_urgency_of_an_inquiry(overdose, suicide, substances, help_now, expected):
    urgency, reasons = urgency_of(
        overdose_now=overdose,
        thinking_of_suicide=suicide,
        substances=substances,
        needs_help_now=help_now,
    )
    assert urgency == expected
    assert reasons


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["heroin"], "short_acting"),
        (["methadone"], "methadone"),
        (["fentanyl"], "fentanyl"),
        (["heroin", "fentanyl"], "fentanyl"),
        (["heroin", "methadone"], "methadone"),
        (["prescription_opioid"], None),
        (["buprenorphine"], None),
        (["alcohol", "stimulant"], None),
        ([], None),
    ],
)
def test_it_picks_the_opioid_class_whose_course_applies(names, expected):
    assert course.class_for_substances(names) == expected


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _answers(**row):
    return {"substances": [{"name": "heroin", "last_use": None, **row}]}


@pytest.mark.parametrize(
    ("answers", "phase"),
    [
        (_answers(last_use=(NOW - timedelta(hours=1)).isoformat()), course.BEFORE_ONSET),
        (_answers(last_use=(NOW - timedelta(hours=30)).isoformat()), course.ACUTE),
        (_answers(name="fentanyl", last_use=NOW.isoformat()), course.VARIABLE),
        ({**_answers(last_use=NOW.isoformat()), "fentanyl_exposure": True}, course.VARIABLE),
        (
            {**_answers(last_use=NOW.isoformat()), "course_opioid_class": "methadone"},
            course.BEFORE_ONSET,
        ),
    ],
)
def test_it_works_out_the_course_from_the_answers(answers, phase):
    assert evaluation_data.course_of(answers, NOW).phase == phase


@pytest.mark.parametrize(
    "answers",
    [
        _answers(),  # no last use
        _answers(last_use=(NOW + timedelta(hours=1)).isoformat()),  # after now
        {"substances": [{"name": "alcohol", "last_use": NOW.isoformat()}]},
    ],
)
def test_it_shows_no_course_without_an_opioid_last_use(answers):
    assert evaluation_data.course_of(answers, NOW) is None


def test_it_counts_fentanyl_exposure_as_fentanyl_for_placement():
    payload = evaluation_data.placement_payload(
        {"substances": [{"name": "heroin"}], "fentanyl_exposure": True}, NOW
    )
    assert [s["name"] for s in payload["substances"]] == ["heroin", "fentanyl"]
    assert payload["history"] == {
        "withdrawal_seizures": None,
        "delirium_tremens": None,
        "overdose_past_year": None,
    }


def test_it_maps_calculator_fields_to_form_fields():
    assert evaluation_data.form_fields(
        {
            "substances[1].hours_since_last_use": "x",
            "medical.qtc_ms": "y",
            "current_cows": "z",
            "readiness.rating": "r",
        }
    ) == {"substance_2_last_use": "x", "qtc_ms": "y", "current_cows": "z", "readiness_rating": "r"}


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ({}, None),
        ({"readiness_rating": None}, None),
        ({"readiness_rating": 0}, 0),
        ({"readiness_rating": 3}, 3),
    ],
)
def test_it_sends_the_clinicians_readiness_rating_to_placement(stored, sent):
    payload = evaluation_data.placement_payload({"substances": [{"name": "heroin"}], **stored}, NOW)
    assert payload["readiness"] == {"rating": sent}


def test_it_sends_the_exposure_fentanyl_last_as_before():
    answers = {"substances": [{"name": "heroin"}, {"name": "alcohol"}], "fentanyl_exposure": True}
    assert evaluation_data.sent_substance_rows(answers) == [
        {"name": "heroin"},
        {"name": "alcohol"},
        None,
    ]
    assert evaluation_data.placement_payload(answers, NOW)["substances"][2] == {
        "name": "fentanyl",
        "route": None,
        "daily_use": None,
    }
