"""CSV import of postcodes and places (``code,name,latitude,longitude``) for distance search:
reading and checking the rows (``actions.do_import_places`` writes them)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import TextIO

from django.core.exceptions import ValidationError

from detoxdesk.directory.importer import LayoutError, RowError
from detoxdesk.directory.models import Place
from detoxdesk.directory.progress import Reporter
from detoxdesk.directory.validation import coordinate

PLACE_COLUMNS = ("code", "name", "latitude", "longitude")


@dataclass
class PlaceSummary:
    dry_run: bool
    created: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False


def _parse(line: int, row: dict[str, str], seen: dict[str, int]) -> Place | list[RowError]:
    code = (row.get("code") or "").strip().upper()
    errors: list[RowError] = []
    if not code:
        errors.append(RowError(line, "code", "A value is required."))
    elif code in seen:
        errors.append(RowError(line, "code", f"Duplicate of line {seen[code]}."))
    coords = {}
    for name in ("latitude", "longitude"):
        try:
            coords[name] = coordinate(name, row.get(name))
        except ValidationError as exc:
            errors.append(RowError(line, name, exc.message_dict[name][0]))
            continue
        if coords[name] is None:
            errors.append(RowError(line, name, "A value is required."))
    if errors:
        return errors
    seen[code] = line
    return Place(code=code, name=(row.get("name") or "").strip()[:200], **coords)


def check_places(
    stream: TextIO, *, dry_run: bool, progress: Reporter, total_rows: int = 0
) -> tuple[list[Place], PlaceSummary]:
    """The places of ``stream`` and the summary of what importing them would do; LayoutError
    when the columns are wrong."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if sorted(header) != sorted(PLACE_COLUMNS):
        raise LayoutError(f"line 1: the columns must be {', '.join(PLACE_COLUMNS)}.")
    reader.fieldnames = header
    summary = PlaceSummary(dry_run=dry_run)
    places: list[Place] = []
    seen: dict[str, int] = {}
    progress.start("Checking", total_rows)
    for count, row in enumerate(reader, start=1):
        parsed = _parse(reader.line_num, row, seen)
        if isinstance(parsed, list):
            summary.errors.extend(parsed)
            summary.rejected += 1
        else:
            places.append(parsed)
        progress.advance(count)
    progress.finish()
    existing = set(
        Place.objects.filter(code__in=[p.code for p in places]).values_list("code", flat=True)
    )
    summary.updated = sum(p.code in existing for p in places)
    summary.created = len(places) - summary.updated
    return places, summary
