"""Instants: timezone-aware ISO-8601 date and times only, refused with the reason and the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.times import is_aware, read_instant, read_instants

OFFSET = "Must include a UTC offset, for example 2024-05-01T08:00:00+00:00 or ...Z."
NOT_ISO = "Must be an ISO-8601 date and time, for example 2024-05-01T08:00:00+00:00."
NOT_TEXT = "Must be an ISO-8601 date and time, as text."
EIGHT = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:00:00Z", EIGHT),
        ("2024-05-01T08:00:00+00:00", EIGHT),
        (" 2024-05-01T08:00:00Z\n", EIGHT),
        ("2024-05-01T10:00:00+02:00", EIGHT),
    ],
)
def test_it_reads_an_instant_with_its_offset(value: str, expected: datetime) -> None:
    assert read_instant(value, "at") == expected


def test_it_keeps_the_offset_given() -> None:
    moment = read_instant("2024-05-01T00:30:00+05:30", "at")
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-05-01T08:00:00", OFFSET),
        ("2024-05-01", OFFSET),
        ("yesterday", NOT_ISO),
        ("", NOT_ISO),
        (1714550400, NOT_TEXT),
        (None, NOT_TEXT),
    ],
)
def test_it_refuses_naming_the_field(value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_instant(value, "last_use")
    assert (caught.value.message, caught.value.fields) == (message, {"last_use": message})


def test_it_reads_required_instants_and_reports_each_problem() -> None:
    payload = {"last_use": "2024-05-01T08:00:00Z", "now": "later"}
    instants, problems = read_instants(payload, ("last_use", "now", "due"))
    assert instants == {"last_use": EIGHT}
    assert problems == {"now": NOT_ISO, "due": "This field is required."}


def test_it_tells_aware_from_naive() -> None:
    assert is_aware(EIGHT.astimezone(timezone(timedelta(hours=-7))))
    assert not is_aware(datetime(2024, 5, 1, 8, 0))  # noqa: DTZ001 - the naive case under test
