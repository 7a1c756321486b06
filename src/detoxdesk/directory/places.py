"""CSV import of postcodes and places (``code,name,latitude,longitude``) for distance search."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction

from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.directory.actions import require_manager
from detoxdesk.directory.importer import BATCH, LayoutError, RowError
from detoxdesk.directory.models import Place
from detoxdesk.directory.progress import Reporter, Silent
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


def do_import_places(
    stream: TextIO,
    *,
    acting_user: User | None,
    dry_run: bool,
    progress: Reporter | None = None,
    total_rows: int = 0,
) -> PlaceSummary:
    """Add or update places by code; any refused row means nothing is saved."""
    require_manager(acting_user)
    progress = progress or Silent()
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
    if dry_run or summary.errors:
        return summary
    with transaction.atomic():
        for start in range(0, len(places), BATCH):
            Place.objects.bulk_create(
                places[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "latitude", "longitude"],
            )
        log.record(
            "place.imported",
            actor=acting_user,
            changes={"created": summary.created, "updated": summary.updated},
        )
    summary.saved = True
    return summary
