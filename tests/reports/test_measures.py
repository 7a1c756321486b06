"""Each measure over hand-built episodes, with the edge cases at the range's ends."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from detoxdesk.clinical import aftercare as rules
from detoxdesk.reports.queries import Range, build_report, episodes_behind
from factories_reports import assessment, follow_up, stay
from threads import needs_postgresql

JAN = Range(date(2026, 1, 1), date(2026, 1, 31))
NOW = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)


def at(day: int, hour: int = 15, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def figures(unit, rng=JAN, facilities=None):
    report = build_report(rng, facilities or [unit.ward.pk, unit.other.pk])
    return {m.key: m for m in report.measures}


@pytest.mark.now(NOW, tick=False)
def test_admissions_count_episodes_admitted_in_range(unit):
    stay(unit, at(1, 6))  # 01:00 local on 1 Jan: inside
    stay(unit, at(31, 23))  # 18:00 local on 31 Jan: inside (last day)
    stay(unit, at(1, 3))  # 22:00 local on 31 Dec: outside
    stay(unit, at(1, 6, month=2))  # 1 Feb local: outside
    r = figures(unit)
    assert r["admissions"].total.numerator == 2
    assert r["admissions"].months[date(2026, 1, 1)].numerator == 2
    # unit.episode (the fixture's) was admitted at the default clock, in March: not counted.


@pytest.mark.now(NOW, tick=False)
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("completed", "discharges_completed"),
        ("ama", "discharges_ama"),
        ("transferred", "discharges_transferred"),
        ("administrative", "discharges_administrative"),
    ],
)
def test_discharges_by_kind(unit, kind, key):
    stay(unit, at(2), at(9), kind=kind)
    stay(unit, at(20), at(31, 23), kind=kind)  # discharged on the range's last day: counted
    stay(unit, at(20), at(1, 6, month=2), kind=kind)  # discharged in February: not counted
    stay(unit, at(3), at(10), kind="completed" if kind != "completed" else "ama")
    stay(unit, at(3), at(10), kind=kind, signed=False)  # still being prepared: not counted
    r = figures(unit)
    assert r[key].total.numerator == 2
    assert r[key].total.denominator == 3
    assert r[key].total.value == 2


@pytest.mark.now(NOW, tick=False)
def test_episode_spanning_the_range_is_neither_admitted_nor_discharged_in_it(unit):
    stay(unit, datetime(2025, 12, 20, 15, tzinfo=UTC), at(5, month=2))
    r = figures(unit)
    assert r["admissions"].total.numerator == 0
    assert r["discharges_completed"].total.denominator == 0
    assert r["moud_at_discharge"].total.value is None


@pytest.mark.now(NOW, tick=False)
def test_moud_and_naloxone_at_discharge(unit):
    stay(
        unit,
        at(2),
        at(6),
        moud=("done", {"moud_option": "buprenorphine"}),
        naloxone=("done", {"naloxone_how": "dispensed"}),
    )
    stay(
        unit,
        at(2),
        at(7),
        moud=("done", {"moud_option": "methadone"}),
        naloxone=("done", {"naloxone_how": "prescribed"}),
    )
    stay(unit, at(2), at(8), moud=("declined", {}), naloxone=("declined", {}))
    stay(unit, at(2), at(9))
    r = figures(unit)
    assert (r["moud_at_discharge"].total.numerator, r["moud_at_discharge"].total.denominator) == (
        2,
        4,
    )
    assert r["moud_at_discharge"].total.value == 50.0
    assert r["moud_at_discharge"].extra == {"started or continued": 1, "referred": 1}
    assert r["moud_declined"].total.numerator == 1
    assert r["naloxone_at_discharge"].total.numerator == 2
    assert r["naloxone_at_discharge"].extra == {"dispensed": 1, "prescribed": 1}
    assert r["naloxone_declined"].total.value == 25.0


@pytest.mark.now(NOW, tick=False)
def test_warm_handoff_within_the_knowledge_window(unit):
    window = rules.warm_handoff_window().length
    stay(unit, at(2), at(6), handoff_after=window)  # at the limit: kept
    stay(unit, at(2), at(7), handoff_after=window + timedelta(minutes=1))  # later: not
    stay(unit, at(2), at(8))  # none
    r = figures(unit)
    assert (r["warm_handoff_72h"].total.numerator, r["warm_handoff_72h"].total.denominator) == (
        1,
        3,
    )


@pytest.mark.now(NOW, tick=False)
def test_readmission_on_day_30_counts_and_day_31_does_not(unit):
    first = stay(unit, at(2), at(5))
    stay(unit, at(5) + timedelta(days=30), patient=first.patient)
    second = stay(unit, at(2), at(6))
    stay(unit, at(6) + timedelta(days=31), patient=second.patient)
    stay(unit, at(2), at(7))
    r = figures(unit)
    m = r["readmission_30d"]
    assert (m.total.numerator, m.total.denominator) == (1, 3)
    behind = episodes_behind("readmission_30d", JAN, [unit.ward.pk])
    assert list(behind) == [first]


@pytest.mark.now(NOW, tick=False)
def test_readmission_found_past_a_stay_inside_the_discharged_one(unit):
    # The patient's next admission (the 3rd) falls inside the first stay; the readmission that
    # counts for the first stay is the one after it, on the 20th.
    first = stay(unit, at(2), at(10))
    inside = stay(unit, at(3), at(4), patient=first.patient)
    stay(unit, at(20), patient=first.patient)
    stay(unit, at(2), at(8))
    r = figures(unit)
    m = r["readmission_30d"]
    assert (m.total.numerator, m.total.denominator) == (2, 3)
    behind = episodes_behind("readmission_30d", JAN, [unit.ward.pk])
    assert set(behind) == {first, inside}


@pytest.mark.now(NOW, tick=False)
def test_follow_ups_of_those_due_in_range(unit):
    rng = Range(date(2026, 1, 1), date(2026, 2, 28))
    e = stay(unit, at(2), at(3))
    follow_up(unit, e, 7, date(2026, 1, 10), reached=True)
    follow_up(unit, e, 30, date(2026, 2, 2), reached=False)
    e2 = stay(unit, at(4), at(5))
    follow_up(unit, e2, 7, date(2026, 1, 12))  # not recorded and past due: overdue, counted
    follow_up(unit, e2, 30, date(2026, 2, 10))  # due today, not yet overdue: left out
    e3 = stay(unit, at(6), at(8))
    follow_up(unit, e3, 7, date(2026, 3, 1), reached=True)  # due after the range
    follow_up(unit, e3, 30, date(2026, 2, 9), reached=True)
    r = figures(unit, rng)
    assert (
        r["followup_7d_reached"].total.numerator,
        r["followup_7d_reached"].total.denominator,
    ) == (1, 2)
    assert (
        r["followup_30d_reached"].total.numerator,
        r["followup_30d_reached"].total.denominator,
    ) == (1, 2)
    assert r["followup_30d_reached"].total.value == 50.0


@pytest.mark.now(NOW, tick=False)
def test_assessments_on_time_against_the_interval(unit):
    unit.program.assessment_interval_minutes = 240
    unit.program.save()
    e = stay(unit, at(2, 10), at(20))
    assessment(unit, e, at(3, 10))  # first: not counted
    assessment(unit, e, at(3, 14))  # exactly 4 h later: on time
    assessment(unit, e, at(3, 19))  # 5 h later: late
    e2 = stay(unit, at(2, 10), at(20), facility=unit.ward)
    e2.assessment_interval_minutes = 60
    e2.save()
    assessment(unit, e2, at(4, 10))
    assessment(unit, e2, at(4, 12))  # 2 h with a 1 h interval: late
    r = figures(unit)
    m = r["assessments_on_time"]
    assert (m.total.numerator, m.total.denominator) == (1, 3)


@pytest.mark.now(NOW, tick=False)
def test_assessments_at_the_same_moment_count_from_the_one_before_both(unit):
    unit.program.assessment_interval_minutes = 240
    unit.program.save()
    e = stay(unit, at(2, 10), at(20))
    assessment(unit, e, at(3, 10))
    assessment(unit, e, at(3, 15))  # 5 h after 10:00: late
    assessment(unit, e, at(3, 15))  # the same moment: also 5 h after 10:00, late
    assessment(unit, e, at(3, 18))  # 3 h after 15:00: on time
    r = figures(unit)
    m = r["assessments_on_time"]
    assert (m.total.numerator, m.total.denominator) == (1, 3)


@pytest.mark.now(NOW, tick=False)
def test_assessment_timed_from_one_before_the_range(unit):
    unit.program.assessment_interval_minutes = 240
    unit.program.save()
    e = stay(unit, datetime(2025, 12, 30, 15, 0, tzinfo=UTC), at(20))
    assessment(unit, e, datetime(2026, 1, 1, 4, 0, tzinfo=UTC))  # 23:00 local on 31 Dec: outside
    inside = assessment(unit, e, at(1, 8))  # 03:00 local on 1 Jan, 4 h later: on time
    r = figures(unit)
    m = r["assessments_on_time"]
    assert (m.total.numerator, m.total.denominator) == (1, 1)
    assert m.months[date(2026, 1, 1)].numerator == 1
    assert list(episodes_behind("assessments_on_time", JAN, [unit.ward.pk])) == [inside.episode]


@pytest.mark.now(NOW, tick=False)
def test_length_of_stay_median_and_quartiles(unit):
    for days in (1, 2, 3, 4, 10):
        stay(unit, at(10) - timedelta(days=days), at(10))
    r = figures(unit)
    m = r["length_of_stay_median"]
    assert m.total.value == 3.0
    assert m.total.denominator == 5
    assert m.extra == {"25th percentile": 2.0, "75th percentile": 4.0}


@pytest.mark.now(NOW, tick=False)
def test_inquiry_to_admission_and_closed_inquiries(unit):
    from detoxdesk.intake.models import Inquiry
    from factories import make_patient

    p = make_patient(unit.program)
    Inquiry.objects.create(
        facility=unit.ward, given_name="A", received_at=at(3, 10), patient=p, status="converted"
    )
    stay(unit, at(4, 10), patient=p)  # 24 h later
    for reason in ("not_reachable", "not_reachable", "declined"):
        Inquiry.objects.create(
            facility=unit.ward,
            given_name="B",
            received_at=at(5),
            status="closed",
            closed_reason=reason,
            closed_at=at(6),
        )
    Inquiry.objects.create(
        facility=unit.ward,
        given_name="C",
        status="closed",
        closed_reason="declined",
        closed_at=at(6, month=2),
    )
    r = figures(unit)
    assert r["inquiry_to_admission_hours"].total.value == 24.0
    assert r["inquiries_closed"].total.numerator == 3
    assert r["inquiries_closed"].extra == {
        "Declined": 1,
        "Not reachable after repeated attempts": 2,
    }


@pytest.mark.now(NOW, tick=False)
def test_one_facility_only(unit):
    stay(unit, at(2), at(6))
    stay(unit, at(2), at(6), facility=unit.other)
    assert figures(unit, facilities=[unit.other.pk])["discharges_completed"].total.numerator == 1


@pytest.mark.now(NOW, tick=False)
def test_bed_occupancy_counts_the_part_of_each_stay_inside_the_range(unit):
    from detoxdesk.patients.models import Bed

    second = Bed.objects.create(facility=unit.ward, label="B02")
    unit.episode.delete()  # the fixture's bed stay is in March, outside; keep the test's own
    # 31 days x 2 beds = 62 bed-days available in January.
    stay(unit, datetime(2025, 12, 20, 5, tzinfo=UTC), at(11, 5))  # no bed: not counted
    e = stay(unit, datetime(2025, 12, 20, 5, tzinfo=UTC), at(11, 5))  # 10 days inside
    e.bed = second
    e.save()
    r = figures(unit)["bed_occupancy"]
    assert (r.total.numerator, r.total.denominator) == (10, 62)
    assert r.extra == {"Ward A": "16.1 %"}


@pytest.mark.now(NOW, tick=False)
def test_discrepancies_opened_and_resolved(unit):
    from detoxdesk.controlled import actions
    from detoxdesk.controlled.models import Discrepancy
    from factories_controlled import stocked

    location, lot = stocked(unit, "10")
    actions.do_count(
        location,
        user=unit.nurse,
        cosigner=unit.prescriber,
        counted={str(lot.product.uuid): "9"},
    )
    found = Discrepancy.objects.get()
    rng = Range(date(2026, 2, 1), date(2026, 2, 28))
    r = figures(unit, rng)
    assert r["discrepancies_opened"].total.numerator == 1
    assert r["discrepancies_resolved"].total.numerator == 0
    assert r["discrepancies_resolved"].extra == {"open at the end of the range": 1}
    actions.do_resolve_discrepancy(found, user=unit.director, resolution="Charted late")
    r = figures(unit, rng)
    assert r["discrepancies_resolved"].total.numerator == 1
    assert r["discrepancies_resolved"].extra == {"open at the end of the range": 0}
    assert figures(unit)["discrepancies_opened"].total.numerator == 0  # January: none


@pytest.mark.now(NOW, tick=False)
@pytest.mark.django_db(transaction=True)
def test_figures_read_side_by_side_equal_those_read_in_one_connection(clock, monkeypatch):
    """On PostgreSQL outside a transaction the discharge and assessment figures are read on
    connections of their own, while the rest goes on; the figures are the same, months cut in
    the reader's time zone."""
    needs_postgresql()
    from django.db import transaction
    from django.utils import timezone

    from detoxdesk.reports import queries
    from factories import Unit

    unit = Unit()
    unit.program.assessment_interval_minutes = 240
    unit.program.save()
    e = stay(unit, at(2, 10), at(31, 23, month=1), moud=("done", {"moud_option": "methadone"}))
    assessment(unit, e, at(3, 10))
    assessment(unit, e, at(3, 14))
    # 31 January in Honolulu, the reader's zone here; 1 February in the server's default zone.
    assessment(unit, e, datetime(2026, 2, 1, 7, 0, tzinfo=UTC))
    threads: list[str] = []
    on_own = queries._on_own_connection

    def counted(query, zone):
        threads.append(threading.current_thread().name)
        return on_own(query, zone)

    monkeypatch.setattr(queries, "_on_own_connection", counted)
    with timezone.override(ZoneInfo("Pacific/Honolulu")):
        side_by_side = read(build_report(JAN, [unit.ward.pk]))
        assert len(threads) == 2 and all(name.startswith("report") for name in threads)
        with transaction.atomic():
            one_connection = read(build_report(JAN, [unit.ward.pk]))
        assert len(threads) == 2  # inside a transaction nothing left this connection
    assert side_by_side == one_connection
    by_key = {key: (total, months) for key, total, months in side_by_side}
    assert by_key["moud_at_discharge"][0]["numerator"] == 1
    assert by_key["assessments_on_time"][0]["denominator"] == 2
    assert list(by_key["assessments_on_time"][1]) == [date(2026, 1, 1)]


def read(report):
    return [(m.key, m.as_dict(), dict(m.months)) for m in report.measures]
