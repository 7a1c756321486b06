"""The migration that chains the audit events links the ones written before it, in id order."""

from __future__ import annotations

from django.db import connection

from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent
from detoxdesk.audit.verify import verify

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0003_append_only_triggers")]
LEAN = [("audit", "0004_no_lone_actor_patient_indexes")]
LONE = {("actor_id",), ("patient_id",)}


def test_it_links_the_events_written_before_the_chain(migrator):
    executor = migrator()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("audit", "AuditEvent")
    for n in range(3):
        old.objects.create(event="chart.viewed", request_id="r", changes={"n": n, "x": 1.0})
    executor = migrator()
    executor.migrate(AFTER)
    outcome = verify()
    assert outcome.intact, outcome.summary()
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.changes["n"] for e in events] == [0, 1, 2]
    assert events[1].prev_hash == events[0].chain_hash
    head = AuditChainHead.objects.get(pk=HEAD_ID)
    assert (head.last_event_id, head.events) == (events[-1].pk, 3)


def _indexed_columns() -> set[tuple[str, ...]]:
    """The column lists of the audit table's indexes that are not its primary key."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "audit_auditevent")
    return {tuple(c["columns"]) for c in found.values() if c["index"] and not c["primary_key"]}


def test_the_lone_actor_and_patient_indexes_go_and_the_composites_serve(migrator):
    executor = migrator()
    executor.migrate(AFTER)
    assert _indexed_columns() >= LONE
    executor = migrator()
    executor.migrate(LEAN)
    columns = _indexed_columns()
    assert not LONE & columns
    assert {("actor_id", "at"), ("patient_id", "at"), ("facility_id",), ("at",)} <= columns
