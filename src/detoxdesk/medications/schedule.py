"""When an order's doses fall due: times of day, and the optional dated dose schedule.

A dose schedule is a list of ``{"date": "YYYY-MM-DD", "daily_dose_mg": "4"}`` (an entry may add
``"doses": "1"`` to use only the first N times of day, as the low-dose initiation does). On a
date in the schedule the daily dose is divided evenly over the times used; a date outside the
schedule, and a date at 0 mg, has no dose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from detoxdesk.medications.models import Order

MG = Decimal("0.001")


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    daily_dose_mg: Decimal
    doses: int | None


@dataclass(frozen=True)
class DueDose:
    """One scheduled dose of an order: when, and how much."""

    at: datetime
    dose_mg: Decimal


def _fail(message: str) -> ValidationError:
    return ValidationError({"dose_schedule": message})


def _entry(raw: object, index: int) -> ScheduleDay:
    if not isinstance(raw, Mapping):
        raise _fail(f"Entry {index + 1} must have a date and a daily_dose_mg.")
    try:
        day = date.fromisoformat(str(raw.get("date")))
    except ValueError:
        raise _fail(f"Entry {index + 1}: the date must be written YYYY-MM-DD.") from None
    try:
        dose = Decimal(str(raw.get("daily_dose_mg")))
    except InvalidOperation:
        raise _fail(f"Entry {index + 1}: the daily dose must be a number of mg.") from None
    if not dose.is_finite() or dose < 0:
        raise _fail(f"Entry {index + 1}: the daily dose must be 0 mg or more.")
    doses = raw.get("doses")
    count = None if doses in (None, "") else _count(doses, index)
    return ScheduleDay(day, dose, count)


def _count(raw: object, index: int) -> int:
    try:
        count = int(str(raw))
    except ValueError:
        raise _fail(f"Entry {index + 1}: doses must be a whole number.") from None
    if count < 1:
        raise _fail(f"Entry {index + 1}: doses must be 1 or more.")
    return count


def parse_schedule(raw: object, times_of_day: Sequence[str]) -> list[ScheduleDay]:
    """Validate a dose schedule; ValidationError naming ``dose_schedule`` when it is wrong."""
    if not isinstance(raw, list) or not raw:
        raise _fail("A dose schedule is a list of dates, each with its daily dose.")
    if not times_of_day:
        raise _fail("A dose schedule needs the times of day its doses are given at.")
    days = [_entry(item, index) for index, item in enumerate(raw)]
    if len({d.day for d in days}) != len(days):
        raise _fail("Each date may appear only once.")
    for entry in days:
        if entry.doses is not None and entry.doses > len(times_of_day):
            raise _fail(f"{entry.day}: more doses than times of day.")
    return sorted(days, key=lambda d: d.day)


def schedule_json(days: Sequence[ScheduleDay]) -> list[dict[str, str]]:
    rows = []
    for entry in days:
        row = {"date": entry.day.isoformat(), "daily_dose_mg": str(entry.daily_dose_mg)}
        if entry.doses is not None:
            row["doses"] = str(entry.doses)
        rows.append(row)
    return rows


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _doses_on(order: Order, day: date, schedule: Mapping[date, ScheduleDay]) -> list[DueDose]:
    times = order.times
    tz = _zone(order)
    if not order.dose_schedule:
        return [DueDose(datetime.combine(day, t, tz), order.dose_mg) for t in times]
    entry = schedule.get(day)
    if entry is None or entry.daily_dose_mg == 0:
        return []
    used = times[: entry.doses] if entry.doses else times
    each = (entry.daily_dose_mg / len(used)).quantize(MG)
    return [DueDose(datetime.combine(day, t, tz), each) for t in used]


def _zone(order: Order) -> ZoneInfo:
    return ZoneInfo(order.line.episode.facility.program.timezone)


def doses_on_day(order: Order, day: date) -> list[DueDose]:
    """Every scheduled dose of ``order`` on the local date ``day``, whenever it was signed."""
    return _doses_on(order, day, _parsed(order))


def dosing_days(order: Order) -> list[date]:
    """The dates of the dose schedule that have a dose (empty without a schedule)."""
    return [d.day for d in _parsed(order).values() if d.daily_dose_mg > 0]


def _parsed(order: Order) -> dict[date, ScheduleDay]:
    if not order.dose_schedule:
        return {}
    return {d.day: d for d in parse_schedule(order.dose_schedule, order.times_of_day)}


def local_date(order: Order, moment: datetime) -> date:
    return moment.astimezone(_zone(order)).date()


def due_doses(order: Order, start: datetime, end: datetime) -> list[DueDose]:
    """The scheduled doses of ``order`` at or after ``start`` and before ``end``.

    Doses before the order's start date, or before the order was first signed, are not due.
    """
    if not order.times_of_day:
        return []
    tz = _zone(order)
    schedule = _parsed(order)
    first = max(start, order.line.created_at)
    found = []
    for day in _days(start.astimezone(tz).date(), end.astimezone(tz).date()):
        if order.start_date and day < order.start_date:
            continue
        found += [d for d in _doses_on(order, day, schedule) if first <= d.at < end]
    return found


def dose_at(order: Order, at: datetime) -> DueDose | None:
    """The scheduled dose of ``order`` at exactly ``at``, if there is one."""
    return next((d for d in due_doses(order, at, at + timedelta(seconds=1)) if d.at == at), None)
