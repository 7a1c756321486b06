from __future__ import annotations

import pytest

from detoxdesk.directory import geo, search
from factories_directory import make_place, make_resource

pytestmark = pytest.mark.django_db

# Published coordinates of four city halls around New York, and one far away.
MANHATTAN = (40.7128, -74.0060)
NEWARK = (40.7357, -74.1724)  # ~14 km from Manhattan
STAMFORD = (41.0534, -73.5387)  # ~54 km
PHILADELPHIA = (39.9526, -75.1652)  # ~130 km
CHICAGO = (41.8781, -87.6298)  # ~1,145 km


@pytest.fixture
def places():
    return {
        name: make_resource(name=name, latitude=lat, longitude=lon, services=["buprenorphine"])
        for name, (lat, lon) in {
            "Newark": NEWARK,
            "Stamford": STAMFORD,
            "Philadelphia": PHILADELPHIA,
            "Chicago": CHICAGO,
        }.items()
    }


@pytest.mark.parametrize(
    ("radius_km", "expected"),
    [
        (10, []),
        (20, ["Newark"]),
        (60, ["Newark", "Stamford"]),
        (200, ["Newark", "Stamford", "Philadelphia"]),
        (2000, ["Newark", "Stamford", "Philadelphia", "Chicago"]),
    ],
)
def test_it_finds_resources_within_a_radius_nearest_first(places, radius_km, expected):
    criteria = search.Criteria(near=geo.Point(*MANHATTAN), radius_km=radius_km)
    hits = search.search(criteria).hits
    assert [h.resource.name for h in hits] == expected
    distances = [h.distance_km for h in hits]
    assert distances == sorted(distances)


def test_it_reports_the_exact_distance(places):
    criteria = search.Criteria(near=geo.Point(*MANHATTAN), radius_km=200)
    newark = search.search(criteria).hits[0]
    assert newark.distance_km == pytest.approx(14.3, abs=0.5)
    assert newark.distance_miles == pytest.approx(newark.distance_km / 1.609344)


def test_it_leaves_out_resources_without_coordinates(places):
    make_resource(name="Nowhere")
    hits = search.search(search.Criteria(near=geo.Point(*MANHATTAN), radius_km=5000)).hits
    assert "Nowhere" not in [h.resource.name for h in hits]


def test_it_matches_a_whole_service_tag_not_a_substring():
    make_resource(name="A", services=["group therapy"])
    make_resource(name="B", services=["therapy", "naloxone"])
    make_resource(name="C", services=["Therapy "])
    names = [h.resource.name for h in search.search(search.Criteria(service="THERAPY")).hits]
    assert names == ["B", "C"]


def test_it_filters_by_type_language_and_accepting():
    make_resource(name="OTP", kind="opioid_treatment_program", languages=["Spanish"])
    make_resource(name="Line", kind="hotline", languages=["spanish"])
    make_resource(name="Full", kind="hotline", accepting_new_patients=False)
    by = search.search(search.Criteria(kinds=["hotline"], accepting_only=True)).hits
    assert [h.resource.name for h in by] == ["Line"]
    by = search.search(search.Criteria(language="Spanish")).hits
    assert [h.resource.name for h in by] == ["Line", "OTP"]


def test_it_locates_postcodes_places_and_coordinates():
    make_place("10007", "New York", *MANHATTAN)
    assert search.locate("10007") == geo.Point(*MANHATTAN)
    assert search.locate("new york") == geo.Point(*MANHATTAN)
    assert search.locate("40.5, -73.9") == geo.Point(40.5, -73.9)
    assert search.locate("99999") is None
