"""CSV import of the resource directory: reading and checking the rows, and planning what changes
(``actions.do_import_resources`` writes them). A dry run reports row-level errors; a run saves
at once.

Column layout (header row required, names exactly as below, any order; * marks required):

========================  ===========================================================
external_id *             Your stable identity for the row; re-importing it updates it.
name *                    The resource's name.
type *                    A type code (e.g. ``opioid_treatment_program``) or its label.
address                   Street address.
city, region, postcode    Town or city; state or region; postcode or ZIP.
latitude, longitude       Decimal degrees (-90..90, -180..180); both or neither.
phone, website            Phone number; full web address (https://...).
hours                     Opening hours as text.
services, languages,      Lists separated by ``;`` (or ``|``), e.g. ``methadone; counseling``.
payment
accepting_new_patients    yes/no, true/false or 1/0; blank means yes.
last_verified             The date the details were last checked, YYYY-MM-DD.
notes                     Anything else staff should know.
========================  ===========================================================
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from detoxdesk.directory.models import Resource
from detoxdesk.directory.progress import Reporter
from detoxdesk.directory.validation import changed_fields, clean_values

REQUIRED_COLUMNS = ("external_id", "name", "type")
OPTIONAL_COLUMNS = (
    "address",
    "city",
    "region",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "website",
    "hours",
    "services",
    "languages",
    "payment",
    "accepting_new_patients",
    "last_verified",
    "notes",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# CSV column to model field, where they differ.
FIELD_FOR_COLUMN = {"type": "kind", "address": "address_line"}
COLUMN_FOR_FIELD = {v: k for k, v in FIELD_FOR_COLUMN.items()}
YES = {"", "yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
BATCH = 500


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class LayoutError(ValueError):
    """The file's header does not match the documented layout; no row was read."""


@dataclass
class ImportSummary:
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "saved": self.saved,
        }


@dataclass
class _Row:
    line: int
    values: dict[str, Any]
    verified: date | None


def read_rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs after checking the header; raises LayoutError on a bad header."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing required column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        raise LayoutError(f"line 1: {'; '.join(parts)}.")
    reader.fieldnames = header
    for row in reader:
        if None in row:
            yield reader.line_num, {"__extra__": "x"}
            continue
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def parse_row(line: int, row: dict[str, str]) -> tuple[_Row | None, list[RowError]]:
    """One CSV row as clean field values, or the errors naming each bad column."""
    if "__extra__" in row:
        return None, [RowError(line, "", "More values than there are columns.")]
    errors: list[RowError] = []
    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            errors.append(RowError(line, column, "A value is required."))
    values: dict[str, Any] = {
        FIELD_FOR_COLUMN.get(c, c): row.get(c, "")
        for c in COLUMNS
        if c not in ("accepting_new_patients", "last_verified")
    }
    accepting = row.get("accepting_new_patients", "").lower()
    if accepting not in YES | NO:
        errors.append(RowError(line, "accepting_new_patients", "Use yes or no."))
    values["accepting_new_patients"] = accepting in YES
    verified = _date(line, row.get("last_verified", ""), errors)
    try:
        clean = clean_values(values)
    except ValidationError as exc:
        reported = {e.column for e in errors}
        for name, messages in exc.message_dict.items():
            column = COLUMN_FOR_FIELD.get(name, name)
            if column not in reported:
                errors.append(RowError(line, column, messages[0]))
        return None, errors
    return (None, errors) if errors else (_Row(line, clean, verified), [])


def _date(line: int, text: str, errors: list[RowError]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(RowError(line, "last_verified", f"{text!r} is not a date (YYYY-MM-DD)."))
        return None


def _identity(row: _Row) -> tuple[str, ...]:
    v = row.values
    return tuple(str(v[k]).lower() for k in ("name", "kind", "address_line", "city", "postcode"))


def validate(
    rows: Iterable[tuple[int, dict[str, str]]], progress: Reporter
) -> tuple[list[_Row], list[RowError], int]:
    """Clean rows, errors and the count of rejected rows, refusing duplicates within the file."""
    good: list[_Row] = []
    errors: list[RowError] = []
    rejected = 0
    seen_ids: dict[str, int] = {}
    seen_places: dict[tuple[str, ...], int] = {}
    for count, (line, raw) in enumerate(rows, start=1):
        row, row_errors = parse_row(line, raw)
        if row is not None:
            row_errors = _duplicate_errors(row, seen_ids, seen_places)
        if row_errors:
            errors.extend(row_errors)
            rejected += 1
        elif row is not None:
            good.append(row)
        progress.advance(count)
    return good, errors, rejected


def _duplicate_errors(
    row: _Row, seen_ids: dict[str, int], seen_places: dict[tuple[str, ...], int]
) -> list[RowError]:
    external_id = row.values["external_id"]
    if external_id in seen_ids:
        return [
            RowError(
                row.line, "external_id", f"Duplicate of line {seen_ids[external_id]} (same ID)."
            )
        ]
    identity = _identity(row)
    if identity in seen_places:
        return [
            RowError(
                row.line,
                "name",
                f"Duplicate of line {seen_places[identity]} (same name, type and address).",
            )
        ]
    seen_ids[external_id] = row.line
    seen_places[identity] = row.line
    return []


def _existing(rows: list[_Row]) -> dict[str, Resource]:
    ids = [r.values["external_id"] for r in rows]
    found: dict[str, Resource] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update(
            {r.external_id or "": r for r in Resource.objects.filter(external_id__in=chunk)}
        )
    return found


def plan_rows(rows: list[_Row], *, build: bool) -> tuple[list[Resource], list[Resource], int]:
    """(new resources, changed resources, unchanged count) without writing anything.

    With ``build`` False (a dry run) new rows are only counted: the list holds placeholders.
    """
    existing = _existing(rows)
    new: list[Resource] = []
    changed: list[Resource] = []
    unchanged = 0
    placeholder = Resource()
    for row in rows:
        resource = existing.get(row.values["external_id"])
        if resource is None:
            new.append(_built(Resource(), row) if build else placeholder)
            continue
        changes = changed_fields(resource, row.values)
        verified_changed = row.verified is not None and row.verified != resource.last_verified_on
        if changes or verified_changed:
            changed.append(_built(resource, row))
        else:
            unchanged += 1
    return new, changed, unchanged


def _built(resource: Resource, row: _Row) -> Resource:
    for name, value in row.values.items():
        setattr(resource, name, value)
    if row.verified is not None:
        resource.last_verified_on = row.verified
    resource.tag_index = resource.build_tag_index(normalised=True)
    resource.updated_at = timezone.now()
    return resource
