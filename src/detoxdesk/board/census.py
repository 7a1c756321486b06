"""The census board's rows, read as plain values in a fixed number of queries.

One place at a time (a facility, or a unit of one) or the whole network a page at a time: the
episodes of the page with the ids of their latest COWS, CIWA-Ar and vital signs (one query), then
those assessments and vital signs (one query each). Rows are dictionaries the template prints as
they are; the number of queries does not grow with the number of episodes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from detoxdesk.board import alerts
from detoxdesk.clinical import vitals
from detoxdesk.clinical.due import next_due
from detoxdesk.monitoring import board
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.monitoring.policy import PROGRAM_SOURCE
from detoxdesk.outpatient.queries import check_in_flags
from detoxdesk.patients.models import Episode, Facility
from detoxdesk.staff.models import Unit

NETWORK = "all"


@dataclass(frozen=True)
class Place:
    """What the board shows: ``all`` (the network), ``f-<uuid>`` or ``u-<uuid>``."""

    key: str
    label: str
    count: int
    facility: Facility | None = None
    unit_id: int | None = None


@dataclass
class Places:
    network: Place
    groups: list[tuple[Facility, list[Place]]] = field(default_factory=list)

    def find(self, key: str) -> Place | None:
        if key == NETWORK:
            return self.network
        return next((p for _, places in self.groups for p in places if p.key == key), None)

    @property
    def first(self) -> Place:
        return self.groups[0][1][0] if self.groups else self.network


def places(facilities: Sequence[Facility]) -> Places:
    """Every facility of the reader, each with its units, and how many are active in each."""
    active = Episode.objects.filter(facility__in=facilities, status=Episode.Status.ACTIVE)
    by_facility: dict[int, int] = defaultdict(int)
    by_unit: dict[int, int] = defaultdict(int)
    for row in active.values("facility_id", "bed__staff_status__unit_id").annotate(n=Count("pk")):
        by_facility[row["facility_id"]] += row["n"]
        if row["bed__staff_status__unit_id"] is not None:
            by_unit[row["bed__staff_status__unit_id"]] += row["n"]
    units: dict[int, list[Any]] = defaultdict(list)
    for unit in (
        Unit.objects.filter(facility__in=facilities, active=True)
        .order_by("name")
        .values("pk", "uuid", "name", "facility_id")
    ):
        units[unit["facility_id"]].append(unit)
    found = Places(Place(NETWORK, "Whole network", sum(by_facility.values())))
    for facility in sorted(facilities, key=lambda f: (f.name, f.pk)):
        group = [Place(f"f-{facility.uuid}", facility.name, by_facility[facility.pk], facility)]
        group += [
            Place(
                f"u-{u['uuid']}",
                f"{facility.name} — {u['name']}",
                by_unit[u["pk"]],
                facility,
                u["pk"],
            )
            for u in units[facility.pk]
        ]
        found.groups.append((facility, group))
    return found


def episodes_at(place: Place, facilities: Sequence[Facility]) -> QuerySet[Episode]:
    rows = Episode.objects.filter(status=Episode.Status.ACTIVE)
    if place.unit_id is not None:
        return rows.filter(facility=place.facility, bed__staff_status__unit_id=place.unit_id)
    if place.facility is not None:
        return rows.filter(facility=place.facility)
    return rows.filter(facility__in=facilities)


def search(episodes: QuerySet[Episode], query: str) -> QuerySet[Episode]:
    if not query:
        return episodes
    return episodes.filter(
        Q(patient__family_name__icontains=query)
        | Q(patient__given_name__icontains=query)
        | Q(patient__record_number__iexact=query)
    )


def _latest(model: type[Assessment] | type[VitalSigns], order: str, **filters: object) -> Subquery:
    rows = model._default_manager.filter(episode=OuterRef("pk"), **filters).order_by(order)
    return Subquery(rows.values("pk")[:1])


EPISODE_FIELDS = (
    "pk",
    "admitted_at",
    "assessment_interval_minutes",
    "bed__label",
    "facility__name",
    "facility__kind",
    "facility__program_id",
    "facility__program__assessment_interval_minutes",
    "facility__program__vital_ranges",
    "patient__uuid",
    "patient__family_name",
    "patient__given_name",
    "patient__record_number",
    "setting",
)
SCORE_FIELDS = ("pk", "total", "band", "band_label", "performed_at")
VITAL_FIELDS = ("pk", "measured_at", *board.VITAL_FIELDS)


def rows(
    episodes: QuerySet[Episode], now: datetime, *, offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """The board's rows of ``episodes`` (ordered by facility, bed, name), in three queries."""
    page = (
        episodes.annotate(
            cows_id=_latest(Assessment, "-performed_at", scale=Scale.COWS),
            ciwa_id=_latest(Assessment, "-performed_at", scale=Scale.CIWA_AR),
            vitals_id=_latest(VitalSigns, "-measured_at"),
        )
        .order_by("facility__name", "bed__label", "patient__family_name", "pk")
        .values(*EPISODE_FIELDS, "cows_id", "ciwa_id", "vitals_id")
    )
    found = list(page[offset : offset + limit] if limit is not None else page[offset:])
    score_ids = [e[k] for e in found for k in ("cows_id", "ciwa_id") if e[k] is not None]
    vital_ids = [e["vitals_id"] for e in found if e["vitals_id"] is not None]
    scores = _by_pk(Assessment.objects.filter(pk__in=score_ids).values(*SCORE_FIELDS), score_ids)
    signs = _by_pk(VitalSigns.objects.filter(pk__in=vital_ids).values(*VITAL_FIELDS), vital_ids)
    kinds = dict(Facility.Kind.choices)
    ranges: dict[int, list[vitals.VitalRange]] = {}
    built = [_row(e, scores, signs, kinds, ranges, now) for e in found]
    alerts.add_alerts(built, found, now)
    return with_missed_check_ins(built, found, now)


def with_missed_check_ins(
    built: list[dict[str, Any]], found: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Each row's ``missed_check_in`` (outpatient episodes, ``detoxdesk.outpatient``): the words
    of a missed visit or home SOWS since the last review, or "". No query without an outpatient
    on the page, a fixed four with any."""
    ids = [e["pk"] for e in found if e["setting"] == Episode.Setting.OUTPATIENT]
    flags = check_in_flags(ids, timezone.localdate(now)) if ids else {}
    for row, e in zip(built, found, strict=True):
        row["missed_check_in"] = flags.get(e["pk"], "")
    return built


def _by_pk(rows: Iterable[dict[str, Any]], ids: list[int]) -> dict[int, dict[str, Any]]:
    return {row["pk"]: row for row in rows} if ids else {}


def _ranges(table: dict[str, dict[str, float | None]] | None) -> list[vitals.VitalRange]:
    found = []
    for key, limits in (table or {}).items():
        low, high = limits.get("low"), limits.get("high")
        if low is not None or high is not None:
            found.append(vitals.VitalRange(key=key, low=low, high=high, source=PROGRAM_SOURCE))
    return found


def _row(
    e: dict[str, Any],
    scores: dict[int, dict[str, Any]],
    signs: dict[int, dict[str, Any]],
    kinds: dict[str, str],
    ranges: dict[int, list[vitals.VitalRange]],
    now: datetime,
) -> dict[str, Any]:
    program_id = e["facility__program_id"]
    if program_id not in ranges:
        ranges[program_id] = _ranges(e["facility__program__vital_ranges"])
    cows, ciwa = scores.get(e["cows_id"]), scores.get(e["ciwa_id"])
    minutes = (
        e["assessment_interval_minutes"] or e["facility__program__assessment_interval_minutes"]
    )
    scheduled = [a["performed_at"] for a in (cows, ciwa) if a is not None]
    due = next_due(
        timedelta(minutes=minutes) if minutes else None,
        max(scheduled) if scheduled else None,
        e["admitted_at"],
        now,
    )
    sign_row = signs.get(e["vitals_id"])
    shown = vitals_cell(sign_row, ranges[program_id]) if sign_row else None
    return {
        "patient_uuid": e["patient__uuid"],
        "name": f"{e['patient__family_name']}, {e['patient__given_name']}",
        "record_number": e["patient__record_number"],
        "bed": e["bed__label"],
        "facility": e["facility__name"],
        "kind": kinds.get(e["facility__kind"], e["facility__kind"]),
        "day_of_stay": (timezone.localdate(now) - timezone.localdate(e["admitted_at"])).days + 1,
        "scores": (cows, ciwa),
        "vitals": shown,
        "due": due,
        "critical": bool(shown and shown["critical"]),
        "overdue": due.overdue_by is not None,
    }


LABELS = {"heart_rate": "HR", "respiratory_rate": "RR", "temperature_c": "T", "spo2": "SpO₂"}
UNITS = {"temperature_c": "°C", "spo2": "%"}


def vitals_cell(row: dict[str, Any], ranges: list[vitals.VitalRange]) -> dict[str, Any]:
    """The latest vital signs as the board prints them: each sign with its flag and alarm."""
    values = board.plain_values(row)
    flags = {f.key: f for f in vitals.flag_vitals(values, ranges)}
    critical = board.critical_for_values(values)
    alarmed = {c.key for c in critical}
    items = []
    for key in ("heart_rate", "systolic", "respiratory_rate", "temperature_c", "spo2"):
        if row[key] is None:
            continue
        if key == "systolic":
            flag = flags.get("systolic") or flags.get("diastolic")
            diastolic = row["diastolic"] if row["diastolic"] is not None else "–"
            text = f"BP {row['systolic']}/{diastolic}"
        else:
            flag = flags.get(key)
            text = f"{LABELS[key]} {row[key]}{UNITS.get(key, '')}"
        classes = [f"flag flag-{flag.direction}"] if flag else []
        if key in alarmed:
            classes.append("critical")
        items.append(
            {"text": text, "class": " ".join(classes), "flag": flag.direction if flag else ""}
        )
    return {
        "items": items,
        "critical": [c.text for c in critical],
        "measured_at": row["measured_at"],
    }
