"""Instants: timezone-aware ISO-8601 date and times, the only times the clinical rules accept.

A time without a UTC offset is refused everywhere: shift work crosses midnight and daylight-saving
changes, so a time is only meaningful with its offset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from detoxdesk.clinical.errors import InvalidInput

EXAMPLE = "2024-05-01T08:00:00+00:00"


def is_aware(moment: datetime) -> bool:
    """Whether ``moment`` carries a UTC offset (a naive datetime does not)."""
    return moment.utcoffset() is not None


def read_instant(value: object, field: str) -> datetime:
    """The ISO-8601 date and time ``value`` (text, with a UTC offset) as an aware datetime.

    Surrounding whitespace is ignored. Raises InvalidInput naming ``field`` with why the value is
    refused: not text, not ISO-8601, or without an offset (a date alone has none).
    """
    if not isinstance(value, str):
        raise _refused(field, "Must be an ISO-8601 date and time, as text.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _refused(
            field, f"Must be an ISO-8601 date and time, for example {EXAMPLE}."
        ) from None
    if not is_aware(moment):
        raise _refused(field, f"Must include a UTC offset, for example {EXAMPLE} or ...Z.")
    return moment


def _refused(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {field: message})


def read_instants(
    payload: Mapping[str, object], keys: Sequence[str]
) -> tuple[dict[str, datetime], dict[str, str]]:
    """The instants at ``keys``, all required, of a calculator's input, and the problems found.

    Returns (instants by key, messages by key); each key is in exactly one of the two.
    """
    instants: dict[str, datetime] = {}
    problems: dict[str, str] = {}
    for key in keys:
        if key not in payload:
            problems[key] = "This field is required."
            continue
        try:
            instants[key] = read_instant(payload[key], key)
        except InvalidInput as exc:
            problems.update(exc.fields)
    return instants, problems
