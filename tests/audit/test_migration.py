"""The migration that chains the audit events links the ones written before it, in id order."""

from __future__ import annotations

from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent
from detoxdesk.audit.verify import verify

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0003_append_only_triggers")]


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
