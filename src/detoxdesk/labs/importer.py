"""CSV import of results: reading and checking the rows (``actions.do_import_results`` records
them). As in the directory import, a check reports every refused row with the column at fault,
and nothing is saved while any row is refused.

Column layout (header row required, names exactly as below, any order; * marks required). One
row is one result: a test on one specimen.

=================  ================================================================================
record_number *    The patient's record number; the patient must be admitted at the facility.
test *             A test code (``urine_drug_screen``, ``alcohol``, ``pregnancy``, ``ecg``) or name.
specimen *         ``urine``, ``breath``, ``blood`` or ``ecg``, as the test allows.
specimen_time *    When the specimen was taken: ``YYYY-MM-DD HH:MM`` in the program's time zone,
                   or ISO 8601 with an offset.
method *           ``point_of_care`` (or ``poc``) or ``laboratory`` (or ``lab``).
<analyte>          One column per analyte (``fentanyl``, ``opiates``, ``buprenorphine``,
                   ``methadone``, ``oxycodone``, ``benzodiazepines``, ``amphetamines``, ``cocaine``,
                   ``alcohol``, ``hcg``, ``qtc``): ``positive`` or ``negative``, the QTc in ms;
                   blank when not tested. Only the test's own analytes may be filled.
=================  ================================================================================
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from detoxdesk.clinical import labs
from detoxdesk.labs.checks import check_result, may_record
from detoxdesk.labs.models import Result
from detoxdesk.patients.models import Episode, Facility

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User

REQUIRED_COLUMNS = ("record_number", "test", "specimen", "specimen_time", "method")
METHODS = {
    "point_of_care": Result.Method.POINT_OF_CARE,
    "poc": Result.Method.POINT_OF_CARE,
    "laboratory": Result.Method.LABORATORY,
    "lab": Result.Method.LABORATORY,
}
# The action's field names to the columns that carry them.
COLUMN_FOR_FIELD = {"panel": "test", "specimen_at": "specimen_time"}


def columns() -> tuple[str, ...]:
    return REQUIRED_COLUMNS + tuple(labs.catalogue().analytes)


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
    dry_run: bool = True
    created: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False


@dataclass
class ImportRow:
    line: int
    episode: Episode
    values: dict[str, Any]


def read_rows(stream: TextIO) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs after checking the header; raises LayoutError on a bad header."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in columns()]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing required column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        raise LayoutError(f"line 1: {'; '.join(parts)}.")
    reader.fieldnames = header
    return list(_rows(reader))


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for row in reader:
        if None in row:
            yield reader.line_num, {"__extra__": "x"}
        else:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def _panel_code(text: str) -> str:
    for code, panel in labs.catalogue().panels.items():
        if text.lower() in (code, panel.label.lower()):
            return code
    return text


def _time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _episodes(facility: Facility, rows: Iterable[tuple[int, dict[str, str]]]) -> dict[str, Episode]:
    numbers = {row.get("record_number", "") for _, row in rows}
    found = Episode.objects.filter(
        facility=facility, status=Episode.Status.ACTIVE, patient__record_number__in=numbers
    ).select_related("patient", "facility")
    return {episode.patient.record_number: episode for episode in found}


def parse_row(
    line: int, row: dict[str, str], episodes: dict[str, Episode], user: User, now: datetime
) -> tuple[ImportRow | None, list[RowError]]:
    """One CSV row as the action's values, or the errors naming each bad column."""
    if "__extra__" in row:
        return None, [RowError(line, "", "More values than there are columns.")]
    errors = [RowError(line, c, "A value is required.") for c in REQUIRED_COLUMNS if not row.get(c)]
    if errors:
        return None, errors
    episode = episodes.get(row["record_number"])
    method = METHODS.get(row["method"].lower().replace(" ", "_"))
    specimen_at = _time(row["specimen_time"])
    if episode is None:
        errors.append(
            RowError(line, "record_number", "No patient with this record number is admitted here.")
        )
    if method is None:
        errors.append(RowError(line, "method", "Use point_of_care or laboratory."))
    elif episode is not None and not may_record(user, episode, method):
        errors.append(
            RowError(line, "method", f"Your role cannot record a {method.label.lower()} result.")
        )
    if specimen_at is None:
        errors.append(RowError(line, "specimen_time", "Not a date and time (YYYY-MM-DD HH:MM)."))
    analytes = set(labs.catalogue().analytes)
    values: dict[str, Any] = {
        "panel": _panel_code(row["test"]),
        "specimen": row["specimen"].lower(),
        "specimen_at": specimen_at,
        "method": method or "",
        "findings": {k: v for k, v in row.items() if k in analytes and v},
    }
    try:
        check_result(now=now, **values)
    except ValidationError as exc:
        reported = {e.column for e in errors}
        for name, messages in exc.message_dict.items():
            column = COLUMN_FOR_FIELD.get(name, name)
            if column not in reported:
                errors.append(RowError(line, column, messages[0]))
    if errors or episode is None:
        return None, errors
    return ImportRow(line, episode, values), []


def validate(
    rows: list[tuple[int, dict[str, str]]], *, facility: Facility, user: User, now: datetime
) -> tuple[list[ImportRow], ImportSummary]:
    """Clean rows and the summary of the check, refusing repeats within the file and results
    already recorded (same patient, test and specimen time)."""
    episodes = _episodes(facility, rows)
    recorded = set(
        Result.objects.filter(episode__in=list(episodes.values())).values_list(
            "episode_id", "panel", "specimen_at"
        )
    )
    summary = ImportSummary()
    good: list[ImportRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, raw in rows:
        row, errors = parse_row(line, raw, episodes, user, now)
        if row is not None:
            key = (row.episode.pk, row.values["panel"], row.values["specimen_at"])
            if key in recorded:
                errors = [RowError(line, "specimen_time", "This result is already recorded.")]
            elif key in seen:
                errors = [RowError(line, "specimen_time", f"Duplicate of line {seen[key]}.")]
            seen.setdefault(key, line)
        if errors:
            summary.errors.extend(errors)
            summary.rejected += 1
        elif row is not None:
            good.append(row)
    summary.created = len(good)
    return good, summary
