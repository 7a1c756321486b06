"""Distances from coordinates alone: no geocoding service is needed to search."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The mean Earth radius (IUGG), the usual constant for great-circle distances.
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points in kilometres (haversine formula)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle that contains every point within a radius of a centre."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    wraps: bool = False  # True when the longitude range crosses the antimeridian


def bounding_box(centre: Point, radius_km: float) -> Box:
    """The smallest lat/lon box around ``centre`` holding the circle of ``radius_km``.

    Used as a cheap SQL prefilter; the exact distance is then computed with :func:`haversine_km`.
    Near a pole the box spans every longitude.
    """
    angular = radius_km / EARTH_RADIUS_KM
    lat = math.radians(centre.latitude)
    min_lat, max_lat = lat - angular, lat + angular
    if min_lat <= -math.pi / 2 or max_lat >= math.pi / 2:
        return Box(
            max(math.degrees(min_lat), -90.0), min(math.degrees(max_lat), 90.0), -180.0, 180.0
        )
    dlon = math.asin(min(1.0, math.sin(angular) / math.cos(lat)))
    lon = math.radians(centre.longitude)
    min_lon, max_lon = math.degrees(lon - dlon), math.degrees(lon + dlon)
    wraps = min_lon < -180.0 or max_lon > 180.0
    if min_lon < -180.0:
        min_lon += 360.0
    if max_lon > 180.0:
        max_lon -= 360.0
    return Box(math.degrees(min_lat), math.degrees(max_lat), min_lon, max_lon, wraps)


def parse_coordinates(text: str) -> Point | None:
    """``"40.7128, -74.0060"`` as a point, or None when the text is not a valid pair."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Point(lat, lon)
