"""``intake.queries.last_opioid_use``: the signed evaluation's last opioid use for other apps."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from detoxdesk.intake import queries
from detoxdesk.intake.queries import LastUse
from factories_intake import make_evaluation, make_signed_evaluation

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def _row(name: str, hours_ago: float | None) -> dict[str, object]:
    last = None if hours_ago is None else (NOW - timedelta(hours=hours_ago)).isoformat()
    return {"name": name, "route": "smoked", "daily_use": True, "last_use": last}


def test_it_reads_the_latest_signed_evaluation(unit) -> None:
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=1)
    with time_machine.travel(NOW, tick=False):
        make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, hours_ago=10)
        found = queries.last_opioid_use(unit.patient)
    assert found == LastUse(
        at=NOW - timedelta(hours=10),
        opioid_class="short_acting",
        source=f"evaluation signed {timezone.localtime(NOW).day} {timezone.localtime(NOW):%b}",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.at = NOW  # type: ignore[misc]


@pytest.mark.now(NOW, tick=False)
def test_it_ignores_evaluations_not_yet_signed(unit) -> None:
    make_evaluation(unit.patient, unit.ward, unit.prescriber, complete=True)
    assert queries.last_opioid_use(unit.patient) is None


@pytest.mark.now(NOW, tick=False)
def test_it_is_none_for_a_patient_of_whom_nothing_is_known(unit) -> None:
    assert queries.last_opioid_use(unit.patient) is None


@pytest.mark.now(NOW, tick=False)
@pytest.mark.parametrize(
    ("rows", "extra", "expected"),
    [
        # The latest use of any opioid, with the class of the riskiest opioid named.
        (
            [_row("heroin", 5), _row("fentanyl", 20)],
            {},
            ("fentanyl", 5),
        ),
        ([_row("methadone", 8), _row("heroin", 30)], {}, ("methadone", 8)),
        # Contaminated supply counts as fentanyl, as in the evaluation's course.
        ([_row("heroin", 6)], {"fentanyl_exposure": True}, ("fentanyl", 6)),
        # The class the clinician chose on the evaluation wins.
        ([_row("heroin", 6)], {"course_opioid_class": "extended_release"}, ("extended_release", 6)),
        # Alcohol is not an opioid; no opioid last use known means nothing to offer.
        ([_row("alcohol", 2), _row("heroin", None)], {}, None),
        # Buprenorphine alone maps to no course class.
        ([_row("buprenorphine", 4)], {}, None),
    ],
)
def test_it_takes_time_and_class_as_the_evaluation_course_does(unit, rows, extra, expected):
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber, substances=rows, **extra)
    found = queries.last_opioid_use(unit.patient)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.opioid_class, found.at) == (expected[0], NOW - timedelta(hours=expected[1]))


@pytest.mark.now(NOW, tick=False)
def test_it_answers_in_few_queries(unit, django_assert_max_num_queries) -> None:
    make_signed_evaluation(unit.patient, unit.ward, unit.prescriber)
    with django_assert_max_num_queries(1):
        queries.last_opioid_use(unit.patient)
