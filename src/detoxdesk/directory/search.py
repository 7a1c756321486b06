"""Searching the directory: text, type, service and distance from a point.

Distance search prefilters with a latitude/longitude box in SQL (works on SQLite and
PostgreSQL alike), then computes the exact haversine distance in Python and sorts by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from detoxdesk.directory import geo
from detoxdesk.directory.models import Place, Resource
from detoxdesk.directory.tags import normalise_tag

if TYPE_CHECKING:
    from decimal import Decimal


@dataclass(frozen=True)
class Criteria:
    text: str = ""
    kinds: Sequence[str] = ()
    service: str = ""
    language: str = ""
    accepting_only: bool = False
    near: geo.Point | None = None
    radius_km: float | None = None


@dataclass
class Hit:
    resource: Resource
    distance_km: float | None = None

    @property
    def distance_miles(self) -> float | None:
        return None if self.distance_km is None else geo.km_to_miles(self.distance_km)


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.hits)


def filtered(criteria: Criteria) -> QuerySet[Resource]:
    """Every filter except distance, as one query."""
    qs = Resource.objects.all()
    if criteria.text:
        qs = qs.filter(
            Q(name__icontains=criteria.text)
            | Q(city__icontains=criteria.text)
            | Q(postcode__iexact=criteria.text)
            | Q(notes__icontains=criteria.text)
        )
    if criteria.kinds:
        qs = qs.filter(kind__in=list(criteria.kinds))
    if criteria.service:
        qs = qs.filter(tag_index__contains=f"|s:{normalise_tag(criteria.service)}|")
    if criteria.language:
        qs = qs.filter(tag_index__contains=f"|l:{normalise_tag(criteria.language)}|")
    if criteria.accepting_only:
        qs = qs.filter(accepting_new_patients=True)
    return qs


def within_box(qs: QuerySet[Resource], box: geo.Box) -> QuerySet[Resource]:
    qs = qs.filter(latitude__gte=box.min_lat, latitude__lte=box.max_lat)
    if box.wraps:
        return qs.filter(Q(longitude__gte=box.min_lon) | Q(longitude__lte=box.max_lon))
    return qs.filter(longitude__gte=box.min_lon, longitude__lte=box.max_lon)


def search(criteria: Criteria) -> Results:
    """Matching resources; with ``near`` and ``radius_km`` only those within it, nearest first.

    Without a point the order is by name. Resources without coordinates never match a
    distance search.
    """
    qs = filtered(criteria)
    if criteria.near is None or criteria.radius_km is None:
        return Results([Hit(r) for r in qs.order_by("name", "pk")])
    qs = within_box(qs, geo.bounding_box(criteria.near, criteria.radius_km))
    hits = []
    for resource in qs:
        distance = geo.haversine_km(criteria.near, _point(resource.latitude, resource.longitude))
        if distance <= criteria.radius_km:
            hits.append(Hit(resource, distance))
    hits.sort(key=lambda h: (h.distance_km, h.resource.name))
    return Results(hits)


def _point(lat: Decimal | None, lon: Decimal | None) -> geo.Point:
    return geo.Point(float(lat or 0), float(lon or 0))


def locate(text: str) -> geo.Point | None:
    """A typed postcode, place name or "lat, lon" pair as a point, or None when unknown."""
    text = text.strip()
    if not text:
        return None
    point = geo.parse_coordinates(text)
    if point is not None:
        return point
    place = (
        Place.objects.filter(code__iexact=text).first()
        or Place.objects.filter(name__iexact=text).order_by("code").first()
    )
    if place is None:
        return None
    return geo.Point(float(place.latitude), float(place.longitude))
