from __future__ import annotations

import pytest

from detoxdesk.directory import geo

NEW_YORK = geo.Point(40.7128, -74.0060)
LOS_ANGELES = geo.Point(34.0522, -118.2437)
LONDON = geo.Point(51.5074, -0.1278)
PARIS = geo.Point(48.8566, 2.3522)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (NEW_YORK, LOS_ANGELES, 3936),  # published great-circle distance ~3,936 km
        (LONDON, PARIS, 343.5),  # published ~344 km
        (NEW_YORK, NEW_YORK, 0),
        (geo.Point(0, 0), geo.Point(0, 180), 20015.1),  # half the equator
    ],
)
def test_it_computes_known_distances(a, b, km):
    assert geo.haversine_km(a, b) == pytest.approx(km, rel=0.003, abs=0.01)
    assert geo.haversine_km(b, a) == pytest.approx(geo.haversine_km(a, b))


def test_it_converts_miles():
    assert geo.km_to_miles(geo.miles_to_km(25)) == pytest.approx(25)
    assert geo.miles_to_km(1) == pytest.approx(1.609344)


@pytest.mark.parametrize("centre", [NEW_YORK, LONDON, geo.Point(-33.87, 151.21)])
def test_it_boxes_every_point_within_the_radius(centre):
    box = geo.bounding_box(centre, 50)
    for bearing_lat, bearing_lon in [(0.44, 0), (-0.44, 0), (0, 0.55), (0, -0.55)]:
        p = geo.Point(centre.latitude + bearing_lat, centre.longitude + bearing_lon)
        if geo.haversine_km(centre, p) <= 50:
            assert box.min_lat <= p.latitude <= box.max_lat
            assert box.min_lon <= p.longitude <= box.max_lon


def test_it_wraps_the_box_across_the_antimeridian():
    box = geo.bounding_box(geo.Point(0, 179.9), 50)
    assert box.wraps
    assert box.min_lon > 179 and box.max_lon < -179


def test_it_opens_the_box_near_a_pole():
    box = geo.bounding_box(geo.Point(89.9, 0), 50)
    assert (box.min_lon, box.max_lon) == (-180.0, 180.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40.7128, -74.0060", geo.Point(40.7128, -74.006)),
        ("40.7128;-74.0060", geo.Point(40.7128, -74.006)),
        ("91, 0", None),
        ("0, 181", None),
        ("nan, 0", None),
        ("10001", None),
        ("a, b", None),
    ],
)
def test_it_parses_typed_coordinates(text, expected):
    assert geo.parse_coordinates(text) == expected
