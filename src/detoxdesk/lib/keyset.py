"""Keyset ("older / newer") paging of a time-ordered list: no COUNT(*) and no OFFSET.

A page is read with one indexed range scan from a cursor (the time and id of the row at the edge
of the page the reader came from), however long the list has grown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Model, Q, QuerySet

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    param: str  # the query-string prefix: ``<param>_before`` / ``<param>_after``
    older: str | None  # cursor for the next older page, None when this page is the oldest
    newer: str | None  # cursor for the next newer page, None when this page is the newest
    paged: bool = False  # read from a cursor (not the newest page)

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def cursor(moment: datetime, pk: int) -> str:
    return f"{(moment - EPOCH) // MICROSECOND}-{pk}"


def parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The (time, id) of a cursor, or None for a missing or malformed one (the newest page)."""
    if not text:
        return None
    micros, _, pk = text.partition("-")
    try:
        return EPOCH + int(micros) * MICROSECOND, int(pk)
    except (ValueError, OverflowError):
        return None


def page(
    rows: QuerySet[Any],
    field: str,
    params: Mapping[str, str],
    param: str,
    size: int,
) -> KeysetPage:
    """The page of ``rows`` (newest first by ``field`` then id) that the query string asks for."""
    before = parse_cursor(params.get(f"{param}_before"))
    after = None if before else parse_cursor(params.get(f"{param}_after"))
    if after is not None:
        at, pk = after
        newer_rows = rows.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
        found = list(newer_rows.order_by(field, "pk")[: size + 1])
        more = len(found) > size
        found = list(reversed(found[:size]))
        return _page(found, field, param, older=bool(found), newer=more, paged=True)
    if before is not None:
        at, pk = before
        rows = rows.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}))
    found = list(rows.order_by(f"-{field}", "-pk")[: size + 1])
    more = len(found) > size
    paged = before is not None
    return _page(found[:size], field, param, older=more, newer=paged and bool(found), paged=paged)


def _page(
    found: list[Any], field: str, param: str, *, older: bool, newer: bool, paged: bool
) -> KeysetPage:
    def edge(row: Any) -> str:
        if isinstance(row, Model):
            return cursor(getattr(row, field), int(row.pk))
        return cursor(row[field], int(row["pk"]))

    return KeysetPage(
        rows=found,
        param=param,
        older=edge(found[-1]) if older and found else None,
        newer=edge(found[0]) if newer and found else None,
        paged=paged,
    )
