"""The outpatient rule (clinical/outpatient.py): visit days, missed visits and home check-ins, and
the reasons that send an episode for review, at the boundary days and rises."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from detoxdesk.clinical import outpatient

MON = date(2026, 3, 2)


def plan(every: int = 1, last: date | None = None, home: bool = True) -> outpatient.VisitPlan:
    return outpatient.VisitPlan(MON, every, last, home)


def day(n: int) -> date:
    return date(2026, 3, 2 + n)


def score(scale: str, total: int, hour: int) -> outpatient.Score:
    return outpatient.Score(scale, total, datetime(2026, 3, 2, hour, tzinfo=UTC))


def test_visit_days_are_every_n_days_up_to_the_last() -> None:
    assert outpatient.visit_dates(plan(1), day(2)) == [day(0), day(1), day(2)]
    assert outpatient.visit_dates(plan(3), day(7)) == [day(0), day(3), day(6)]
    assert outpatient.visit_dates(plan(3, last=day(4)), day(9)) == [day(0), day(3)]


def test_a_visit_is_missed_only_once_its_day_is_over() -> None:
    assert outpatient.missed_visits(plan(1), [], day(0), MON) == []  # today: not yet missed
    assert outpatient.missed_visits(plan(1), [], day(1), MON) == [day(0)]
    assert outpatient.missed_visits(plan(1), [day(0)], day(1), MON) == []
    assert outpatient.missed_visits(plan(2), [day(0)], day(3), MON) == [day(2)]


def test_days_before_the_last_review_do_not_count() -> None:
    assert outpatient.missed_visits(plan(1), [], day(3), day(2)) == [day(2)]


def test_home_check_ins_are_due_between_visits_only() -> None:
    every_third = plan(3)
    assert outpatient.missed_check_ins(every_third, [day(1)], day(3), MON) == [day(2)]
    assert outpatient.missed_check_ins(every_third, [day(1), day(2)], day(3), MON) == []
    assert outpatient.missed_check_ins(plan(1), [], day(5), MON) == []  # daily: no day between
    assert outpatient.missed_check_ins(plan(3, home=False), [], day(3), MON) == []


def test_the_next_visit_skips_an_attended_one() -> None:
    assert outpatient.next_visit(plan(2), day(1), set()) == day(2)
    assert outpatient.next_visit(plan(2), day(2), {day(2)}) == day(4)
    assert outpatient.next_visit(plan(2, last=day(2)), day(2), {day(2)}) is None


@pytest.mark.parametrize(("later", "climbed"), [(13, False), (14, True), (15, True)])
def test_a_rise_counts_from_the_set_rise_itself(later: int, climbed: bool) -> None:
    # the program's rise is 4: 10 -> 13 is below it, 10 -> 14 is at it, 10 -> 15 above
    scores = [score("sows", 10, 9), score("sows", later, 12)]
    assert bool(outpatient.climbs(scores, "sows", 4)) is climbed


def test_an_unset_rise_sends_nothing_for_review() -> None:
    scores = [score("cows", 2, 9), score("cows", 30, 12)]
    assert outpatient.climbs(scores, "cows", None) == []


def test_the_reasons_name_the_days_and_the_climb() -> None:
    reasons = outpatient.review_reasons(
        missed=[day(1)],
        missed_home=[day(2)],
        scores=[score("sows", 10, 9), score("sows", 16, 12), score("cows", 3, 9)],
        rises={"sows": 5, "cows": None},
    )
    assert [r.code for r in reasons] == ["missed_visit", "missed_check_in", "score_climbed"]
    assert "2026-03-03" in reasons[0].message and "2026-03-04" in reasons[1].message
    assert "SOWS rose from 10 to 16" in reasons[2].message


def test_an_interval_below_one_day_is_refused_in_these_words() -> None:
    with pytest.raises(ValueError) as raised:
        outpatient.visit_dates(plan(every=0), day(3))
    assert str(raised.value) == "every_days must be at least 1"


def test_the_last_visit_day_itself_is_the_next_visit() -> None:
    every_other = plan(every=2, last=day(4))
    assert outpatient.next_visit(every_other, day(3), attended={day(2)}) == day(4)
    assert outpatient.next_visit(every_other, day(3), attended={day(2), day(4)}) is None


def test_no_check_in_is_due_after_the_last_visit() -> None:
    # Visits every 3 days from day 0 to day 3; today is day 7: days 1 and 2 lacked a SOWS, days
    # after the last visit are not check-in days.
    found = outpatient.missed_check_ins(plan(every=3, last=day(3)), [], day(7), day(0))
    assert found == [day(1), day(2)]


def test_every_day_between_visits_is_a_check_in_day() -> None:
    found = outpatient.missed_check_ins(plan(every=4), [day(2)], day(5), day(0))
    assert found == [day(1), day(3)]


def test_the_reasons_list_several_days_with_commas() -> None:
    reasons = outpatient.review_reasons(
        missed=[day(1), day(2)], missed_home=[day(3), day(4)], scores=[], rises={}
    )
    assert [(r.code, r.message) for r in reasons] == [
        ("missed_visit", "Scheduled visit missed: 2026-03-03, 2026-03-04."),
        ("missed_check_in", "No SOWS from home on: 2026-03-05, 2026-03-06."),
    ]
