"""The census board's bed counts and its alerts a nurse must not miss, kept beside the rows.

:func:`add_alerts` gives each census row an ``alerts`` list (most serious first): a possible
precipitated withdrawal not yet reviewed, vital signs in a NEWS2 band that scores 3, a latest
COWS or CIWA-Ar in the scale's severe band, an overdue assessment and overdue scheduled doses.
The vital signs, scores and assessment due are already on the row; the medication record adds
three queries for the whole page (:mod:`detoxdesk.medications.census`), whatever its size.
:func:`bed_counts` counts the beds of the place shown by state (one query).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from detoxdesk.beds import queries as bed_queries
from detoxdesk.beds import states
from detoxdesk.clinical.due import Due
from detoxdesk.medications import census as medication_census
from detoxdesk.monitoring.models import Scale
from detoxdesk.monitoring.templatetags.detox import duration
from detoxdesk.patients.models import Facility

if TYPE_CHECKING:  # census imports this module to add its alerts
    from detoxdesk.board.census import Place, Places

# The band name both withdrawal scales give their top band (clinical/knowledge/scales.toml).
SEVERE_BAND = "severe"


def add_alerts(
    rows: list[dict[str, Any]], episodes: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Add ``alerts`` to each of ``rows`` (built from ``episodes``, the page's episode values)."""
    ids = [e["pk"] for e in episodes]
    programs = {e["pk"]: e["facility__program_id"] for e in episodes}
    if not ids:
        return
    settings = medication_census.settings_by_program(sorted(set(programs.values())))
    precipitated = medication_census.precipitated_unreviewed(ids, programs, settings)
    doses = medication_census.overdue_doses(ids, settings, now)
    for row, episode_id in zip(rows, ids, strict=True):
        serious, late = _alerts(row, episode_id in precipitated, doses[episode_id])
        row["alerts"] = serious + late
        # The row is marked critical for the serious ones; what is overdue marks it overdue.
        row["alerted"] = bool(serious)
        row["overdue"] = row.get("overdue") or bool(late)


def _alerts(
    row: dict[str, Any], precipitated: bool, overdue_doses: int
) -> tuple[list[str], list[str]]:
    """The row's serious alerts, then what is overdue."""
    found = []
    if precipitated:
        found.append("Possible precipitated withdrawal: not yet reviewed")
    if row["vitals"]:
        found += row["vitals"]["critical"]
    for scale, score in zip((Scale.COWS, Scale.CIWA_AR), row["scores"], strict=True):
        if score and score["band"] == SEVERE_BAND:
            found.append(f"{scale.label} {score['total']}: {score['band_label'].lower()}")
    late = []
    due: Due = row["due"]
    if due.overdue_by is not None:
        late.append(f"Assessment overdue {duration(due.overdue_by)}")
    if overdue_doses:
        late.append(f"{overdue_doses} scheduled dose{'s' if overdue_doses > 1 else ''} overdue")
    return found, late


def bed_counts(
    place: Place, places: Places, facilities: Sequence[Facility], now: datetime
) -> dict[str, Any]:
    """The beds of ``place`` by state, in total and per unit (one query), for the census head."""
    ids = [f.pk for f in facilities] if place.facility is None else [place.facility.pk]
    found = bed_queries.counts(bed_queries.beds_at(ids, place.unit_id), now)
    total: Counter[str] = Counter()
    for counter in found.values():
        total.update(counter)
    units = [
        (p.label, _listed(found[(facility.pk, p.unit_id)]))
        for facility, group in places.groups
        for p in group
        if p.unit_id is not None
        and (place.unit_id in (None, p.unit_id))
        and (facility.pk, p.unit_id) in found
    ]
    return {"counts": _listed(total), "beds": total.total(), "units": units}


def _listed(counter: Counter[str]) -> list[tuple[str, str, int]]:
    return [(state, label, counter[state]) for state, label in states.LABELS.items()]
