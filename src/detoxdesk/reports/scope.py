"""Reading the report's inputs (date range, facility) the same way for the page and the command."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from detoxdesk.patients.models import Facility
from detoxdesk.reports.queries import Range

# The longest range one report covers (a product bound that keeps a report's months bounded).
MAX_RANGE_YEARS = 10


class BadInput(ValueError):
    """A date or facility the report cannot use; the message names it."""


def parse_date(text: str | None, name: str) -> date:
    if not text:
        raise BadInput(f"Give the {name} date as YYYY-MM-DD.")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"The {name} date {text!r} is not a date in the form YYYY-MM-DD.") from None


def make_range(start: date, end: date) -> Range:
    if end < start:
        raise BadInput(f"The 'to' date {end} is before the 'from' date {start}.")
    if end.year - start.year > MAX_RANGE_YEARS:
        raise BadInput(f"A report covers at most {MAX_RANGE_YEARS} years; choose a shorter range.")
    return Range(start, end)


def facility_ids(allowed: list[Facility], wanted: str | None) -> tuple[list[int], Facility | None]:
    """All ``allowed`` facilities, or the one ``wanted`` (a UUID) when it is among them."""
    if not wanted:
        return [f.pk for f in allowed], None
    try:
        key = UUID(wanted.strip())
    except ValueError:
        raise BadInput(f"The facility {wanted!r} is not a facility id (a UUID).") from None
    for facility in allowed:
        if facility.uuid == key:
            return [facility.pk], facility
    raise BadInput(f"No facility {wanted} that this report may cover.")
