"""The census by unit and network, and the chart's bounded trends and keyset history."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from detoxdesk.monitoring.models import Assessment
from detoxdesk.staff.models import Unit as StaffUnit
from factories import make_episode
from factories_board import seed_assessments, seed_census

CENSUS = reverse("patients:census")


def names(response):
    return [r["name"] for r in response.context["rows"]]


def test_the_census_shows_the_first_facility_by_default_not_the_network(unit, as_user):
    seed_census(unit.other, unit.director, 2)
    response = as_user(unit.director).get(CENSUS)
    assert response.context["place"].facility == unit.other  # "Clinic B" before "Ward A"
    assert len(response.context["rows"]) == 2
    network = as_user(unit.director).get(CENSUS, {"place": "all"})
    assert len(network.context["rows"]) == 3
    assert "Ward A" in network.content.decode()  # the network names each row's facility


def test_a_unit_shows_only_the_beds_in_it(unit, as_user):
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    inside = seed_census(unit.ward, unit.nurse, 3, unit=wing)
    response = as_user(unit.nurse).get(CENSUS, {"place": f"u-{wing.uuid}"})
    assert len(response.context["rows"]) == len(inside)
    assert unit.patient.family_name not in names(response)[0]
    whole = as_user(unit.nurse).get(CENSUS, {"place": f"f-{unit.ward.uuid}"})
    assert len(whole.context["rows"]) == 4
    assert "Ward A — North wing (3)" in whole.content.decode()


def test_a_place_outside_the_readers_facilities_is_not_shown(unit, as_user):
    other = StaffUnit.objects.create(facility=unit.other, name="Annex")
    seed_census(unit.other, unit.outsider, 2, unit=other)
    response = as_user(unit.nurse).get(CENSUS, {"place": f"u-{other.uuid}"})
    assert response.context["place"].facility == unit.ward
    assert len(response.context["rows"]) == 1
    assert "Annex" not in response.content.decode()


def test_the_former_facility_parameter_still_chooses_a_facility(unit, as_user):
    seed_census(unit.other, unit.director, 2)
    response = as_user(unit.director).get(CENSUS, {"facility": str(unit.ward.uuid)})
    assert response.context["place"].facility == unit.ward


def test_the_network_is_paged_without_counting_pages(unit, as_user, settings):
    settings.CENSUS_PAGE_SIZE = 5
    seed_census(unit.ward, unit.nurse, 7)
    client = as_user(unit.nurse)
    first = client.get(CENSUS, {"place": "all"})
    assert len(first.context["rows"]) == 5 and first.context["has_next"]
    second = client.get(CENSUS, {"place": "all", "page": "2"})
    assert len(second.context["rows"]) == 3 and not second.context["has_next"]
    assert set(names(first)).isdisjoint(names(second))
    beyond = client.get(CENSUS, {"place": "all", "page": "9"})
    assert beyond.status_code == 200 and "Back to the first page" in beyond.content.decode()
    assert client.get(CENSUS, {"page": "x"}).status_code == 200


def test_a_search_without_a_place_looks_across_the_network(unit, as_user):
    (far,) = seed_census(unit.other, unit.director, 1)
    response = as_user(unit.director).get(CENSUS, {"q": far.patient.family_name})
    assert response.context["place"].key == "all"
    assert names(response) == [f"{far.patient.family_name}, Seed"]


def test_the_trend_covers_the_last_hours_one_point_per_hour_at_its_highest(unit, as_user, settings):
    settings.CHART_TREND_HOURS = 6
    now = timezone.now()
    episode = make_episode(unit.other, admitted_at=now - timedelta(days=3))
    # 12 hours of scores, none on the edge of the window
    seed_assessments(
        episode, unit.nurse, 48, end=now - timedelta(minutes=7), every=timedelta(minutes=15)
    )
    response = as_user(unit.director).get(reverse("patients:chart", args=[episode.patient.uuid]))
    cows = response.context["trend_charts"][0]
    in_window = Assessment.objects.filter(
        episode=episode, performed_at__gte=now - timedelta(hours=6)
    )
    assert 6 <= len(cows.points) <= 7  # hours, not 25 scores
    assert max(p.total for p in cows.points) == max(a.total for a in in_window)
    assert f"{in_window.count()} COWS scores" in cows.summary
    assert escape(cows.summary) in response.content.decode()
    assert "The last 6 hours of the stay" in response.content.decode()


def test_history_pages_split_rows_with_the_same_time_without_losing_one(unit, as_user):
    at = timezone.now() - timedelta(minutes=5)
    rows = seed_assessments(unit.episode, unit.nurse, 1, end=at)
    rows += Assessment.objects.bulk_create(
        [Assessment(**{**_fields(rows[0]), "total": n}) for n in range(24)]
    )
    client = as_user(unit.nurse)
    url = reverse("patients:chart", args=[unit.patient.uuid])
    first = client.get(url).context["history"]
    older = client.get(url, {"history_before": first.older}).context["history"]
    seen = [a.pk for a in first.rows] + [a.pk for a in older.rows]
    assert sorted(seen) == sorted(a.pk for a in rows) and len(set(seen)) == 25


def _fields(row: Assessment) -> dict[str, object]:
    return {
        name: getattr(row, name)
        for name in (
            "episode",
            "scale",
            "items",
            "band",
            "band_label",
            "performed_at",
            "recorded_at",
            "recorded_by",
            "policy_version",
        )
    }
