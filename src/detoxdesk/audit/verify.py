"""Checking the audit chain: every event's hash, every link, and the chain head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detoxdesk.audit import chain
from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent

PAGE = 2000


@dataclass(frozen=True)
class Outcome:
    """What the check found. ``broken_id`` is None when the chain is intact."""

    events: int
    last_id: int | None
    head_hash: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None and not self.problem

    def summary(self) -> str:
        if self.intact:
            return (
                f"audit chain intact: {self.events} events, last id {self.last_id}"
                f" (head {self.head_hash})"
            )
        return f"audit chain broken at event {self.broken_id}: {self.problem}"


def _rows() -> Any:
    """Every event in id order, one page at a time, with the fields the hash covers."""
    after = None
    columns = (*chain.FIELDS, "prev_hash", "chain_hash")
    while True:
        rows = AuditEvent.objects.order_by("id").values(*columns)
        if after is not None:
            rows = rows.filter(id__gt=after)
        page = list(rows[:PAGE])
        if not page:
            return
        yield from page
        after = page[-1]["id"]


def verify() -> Outcome:
    """Walk the chain from the first event; stop at the first event that does not verify.

    An event is broken when its stored hash is not the hash of its content (it was changed),
    or when it does not link to the event before it: an event between them was removed, or one
    was slipped in. When two events link to the same predecessor, the earlier of them is the
    one slipped in and is named. The chain head must then name the last event and the count,
    or events were removed from the end or added around the chain.
    """
    prev_hash, prev_id = chain.GENESIS, None
    before_prev_hash, before_prev_id = None, None
    count = 0
    for row in _rows():
        if row["prev_hash"] != prev_hash:
            return _broken_link(row, prev_id, before_prev_hash, before_prev_id, count)
        if chain.digest(row, row["prev_hash"]) != row["chain_hash"]:
            return Outcome(count, prev_id, prev_hash, row["id"], "its content was changed")
        before_prev_hash, before_prev_id = prev_hash, prev_id
        prev_hash, prev_id = row["chain_hash"], row["id"]
        count += 1
    return _check_head(count, prev_id, prev_hash)


def _broken_link(
    row: dict[str, Any],
    prev_id: int | None,
    before_prev_hash: str | None,
    before_prev_id: int | None,
    count: int,
) -> Outcome:
    after = f"event {before_prev_id}" if before_prev_id is not None else "the start of the chain"
    if row["prev_hash"] == before_prev_hash and prev_id is not None:
        return Outcome(
            count,
            prev_id,
            "",
            prev_id,
            f"it was inserted out of order (it and event {row['id']} both follow {after})",
        )
    where = f"event {prev_id}" if prev_id is not None else "the start of the chain"
    return Outcome(
        count,
        prev_id,
        "",
        row["id"],
        f"it does not follow {where}: events before it were removed, or {where} was changed",
    )


def _check_head(count: int, last_id: int | None, last_hash: str) -> Outcome:
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    if head is None:
        if count == 0:
            return Outcome(0, None, last_hash)
        return Outcome(count, last_id, last_hash, last_id, "the chain head is missing")
    if head.last_event_id == last_id and head.last_hash == last_hash and head.events == count:
        return Outcome(count, last_id, last_hash)
    if count < head.events:
        missing = head.events - count
        return Outcome(
            count,
            last_id,
            last_hash,
            head.last_event_id,
            f"{missing} event(s) after event {last_id} were removed (the chain head records "
            f"{head.events} events ending at event {head.last_event_id})",
        )
    return Outcome(
        count,
        last_id,
        last_hash,
        last_id,
        f"it is not the end the chain head records (event {head.last_event_id}, "
        f"{head.events} events): it was added outside the application",
    )
