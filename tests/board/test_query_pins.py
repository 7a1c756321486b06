"""The census and the chart cost the same number of statements at any size (pinned, exact).

The counts include signing-in (session, user, memberships) and the audit event of the view
(a savepoint, the chain head read and moved, the event written); no session save, since a session
is renewed at most once a minute. Each client opens one page first, so the measured request finds
its session as every later one does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.staff.models import Unit as StaffUnit
from factories import make_episode, make_user
from factories_board import seed_assessments, seed_census, seed_vitals
from factories_labs import record_screen

CENSUS = reverse("patients:census")
# 15 with the open controlled-substance discrepancies; 19 with the beds by state (1) and the
# medication record's alerts (settings, precipitated withdrawal, scheduled orders: 3). A page with
# a scheduled dose due this shift reads the doses recorded against it too (one more).
CENSUS_QUERIES = 19
CHART_QUERIES = 37  # results panel (results, findings), notes panel (1), the episodes list (1)


@pytest.fixture
def wing(unit):
    return StaffUnit.objects.create(facility=unit.ward, name="North wing")


@pytest.mark.parametrize("size", [1, 40])
def test_one_unit_costs_the_same_with_1_or_40_episodes(
    unit, wing, as_user, size, django_assert_num_queries
):
    seed_census(unit.ward, unit.nurse, size, unit=wing)
    client = as_user(unit.nurse)
    client.get(CENSUS)
    with django_assert_num_queries(CENSUS_QUERIES):
        response = client.get(CENSUS, {"place": f"u-{wing.uuid}"})
    rows = response.context["rows"]
    assert len(rows) == size
    assert all(r["scores"][0] and r["scores"][1] and r["vitals"] for r in rows)
    assert rows[0]["critical"]  # the first seeded episode has a pulse of 140


@pytest.mark.parametrize("size", [1, 40])
def test_the_network_costs_the_same_with_1_or_40_episodes(
    unit, as_user, size, django_assert_num_queries
):
    seed_census(unit.ward, unit.director, size)
    seed_census(unit.other, unit.director, size)
    client = as_user(unit.director)
    client.get(CENSUS)
    with django_assert_num_queries(CENSUS_QUERIES):
        response = client.get(CENSUS, {"place": "all"})
    assert len(response.context["rows"]) == min(2 * size + 1, 50)


def test_2000_episodes_cost_no_more_than_one_unit_of_20_beds(
    unit, wing, as_user, django_assert_num_queries
):
    seed_census(unit.ward, unit.director, 20, unit=wing)
    seed_census(unit.ward, unit.director, 1000)
    seed_census(unit.other, unit.director, 979)
    client = as_user(unit.director)
    client.get(CENSUS)
    with django_assert_num_queries(CENSUS_QUERIES):
        one_unit = client.get(CENSUS, {"place": f"u-{wing.uuid}"})
    assert len(one_unit.context["rows"]) == 20
    with django_assert_num_queries(CENSUS_QUERIES):
        network = client.get(CENSUS, {"place": "all", "page": "3"})
    assert len(network.context["rows"]) == 50
    assert network.context["has_next"]
    assert network.context["places"].network.count == 2000
    assert "Next page" in network.content.decode()
    assert "include" not in network.content.decode()


@pytest.mark.parametrize("history", [20, 3000])
def test_the_chart_costs_the_same_with_20_or_3000_assessments(
    unit, as_user, history, django_assert_num_queries
):
    now = timezone.now()
    episode = make_episode(unit.other, admitted_at=now - timedelta(days=70))
    seed_assessments(episode, unit.nurse, history, every=timedelta(minutes=30))
    seed_assessments(episode, unit.nurse, history // 2, every=timedelta(hours=1), scale="ciwa_ar")
    seed_vitals(episode, unit.nurse, 30)
    nurse = make_user("nurse", unit.other)
    for n in range(2 if history == 20 else 12):  # the results panel shows the latest five
        record_screen(episode, nurse, at=now - timedelta(hours=n + 1))
    client = as_user(unit.director)
    client.get(CENSUS)
    with django_assert_num_queries(CHART_QUERIES):
        response = client.get(reverse("patients:chart", args=[episode.patient.uuid]))
    body = response.content.decode()
    cows, _sows, ciwa = response.context["trend_charts"]
    assert 0 < len(cows.points) <= 73 and 0 < len(ciwa.points) <= 73  # the last 72 hours
    assert body.count('<polyline class="series"') == 2
    assert "<circle" not in body.split('id="trends-heading"')[1].split("</section>")[0]
    assert len(response.context["history"].rows) == 20


def _seed_medications(episodes, user, now):
    """Each episode: a scheduled order due twice this morning (one dose recorded) and a first
    buprenorphine dose given, so every medication-record alert is read."""
    from decimal import Decimal

    from detoxdesk.medications.models import Administration, Order, OrderLine

    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(episode=e, drug="lofexidine", created_at=now - timedelta(days=1))
            for e in episodes
        ]
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                line=line,
                version=1,
                drug="lofexidine",
                dose_mg=Decimal("0.18"),
                route="oral",
                times_of_day=["07:00", "08:00"],
                signed_by=user,
                signed_at=now - timedelta(days=1),
            )
            for line in lines
        ]
    )
    seven = timezone.localtime(now).replace(hour=7, minute=0, second=0, microsecond=0)
    Administration.objects.bulk_create(
        Administration(
            episode=line.episode,
            line=line,
            order=order,
            drug=drug,
            outcome="given",
            scheduled_for=seven if drug == "lofexidine" else None,
            dose_mg=Decimal("0.18"),
            occurred_at=seven,
            recorded_at=seven,
            recorded_by=user,
        )
        for line, order in zip(lines, orders, strict=True)
        for drug in ("lofexidine", "buprenorphine")
    )


@pytest.mark.parametrize("size", [1, 40])
def test_the_medication_alerts_cost_the_same_with_1_or_40_episodes(
    unit, wing, as_user, size, django_assert_num_queries
):
    episodes = seed_census(unit.ward, unit.nurse, size, unit=wing)
    _seed_medications(episodes, unit.nurse, timezone.now())
    client = as_user(unit.nurse)
    client.get(CENSUS)
    with django_assert_num_queries(CENSUS_QUERIES + 1):  # the doses recorded this shift
        response = client.get(CENSUS, {"place": f"u-{wing.uuid}"})
    rows = response.context["rows"]
    assert len(rows) == size
    assert all("1 scheduled dose overdue" in r["alerts"] for r in rows)
