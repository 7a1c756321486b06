"""``manage.py verify_audit``: 0 and a summary when intact, 1 and the first broken event if not."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from audit_tampering import insert_raw, leave_id_gap, raw
from detoxdesk.audit import chain, log
from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent


def verify_audit() -> tuple[int, str]:
    """Run the command; its exit status and what it printed."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), err.getvalue().strip()
    return 0, out.getvalue().strip()


@pytest.fixture
def events(unit) -> list[AuditEvent]:
    return [
        log.record("chart.viewed", actor=unit.nurse, patient=unit.patient, changes={"n": n})
        for n in range(4)
    ]


def test_it_passes_an_intact_chain_with_a_one_line_summary(events):
    status, said = verify_audit()
    assert status == 0
    assert said.startswith(f"audit chain intact: 4 events, last id {events[-1].pk} (head ")
    assert said.count("\n") == 0


def test_it_passes_an_empty_log(db):
    assert verify_audit() == (0, f"audit chain intact: 0 events, last id None (head {'0' * 64})")


def test_it_names_an_edited_event(events):
    raw("UPDATE audit_auditevent SET event = 'census.viewed' WHERE id = %s", [events[1].pk])
    status, said = verify_audit()
    assert status == 1
    assert said == f"audit chain broken at event {events[1].pk}: its content was changed"


def test_it_names_an_event_edited_with_its_hash_made_again(events):
    # Whoever rewrites an event and its hash still breaks the next event's link.
    changed = AuditEvent.objects.values(*chain.FIELDS).get(pk=events[1].pk)
    changed["event"] = "census.viewed"
    rehashed = chain.digest(changed, events[1].prev_hash)
    raw(
        "UPDATE audit_auditevent SET event = 'census.viewed', chain_hash = %s WHERE id = %s",
        [rehashed, events[1].pk],
    )
    status, said = verify_audit()
    assert status == 1
    assert said.startswith(f"audit chain broken at event {events[2].pk}: it does not follow")


def test_it_names_the_event_after_a_deleted_one(events):
    raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    status, said = verify_audit()
    assert status == 1
    assert said.startswith(
        f"audit chain broken at event {events[2].pk}: it does not follow event {events[0].pk}"
    )


def test_it_notices_the_first_event_deleted(events):
    raw("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    status, said = verify_audit()
    assert (status, said.split(":")[0]) == (1, f"audit chain broken at event {events[1].pk}")


def test_it_notices_events_deleted_from_the_end(events):
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])
    status, said = verify_audit()
    assert status == 1
    assert said == (
        f"audit chain broken at event {events[3].pk}: 2 event(s) after event {events[1].pk} "
        f"were removed (the chain head records 4 events ending at event {events[3].pk})"
    )


def test_it_names_an_event_inserted_out_of_order(unit):
    first = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    leave_id_gap(5)
    later = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    assert later.pk > first.pk + 1
    # A backdated event slipped in between, with a correct hash linked to the first event.
    forged = {**AuditEvent.objects.values(*chain.FIELDS).get(pk=first.pk), "id": first.pk + 1}
    forged["changes"] = {"forged": True}
    insert_raw(forged, first.chain_hash, chain.digest(forged, first.chain_hash))
    status, said = verify_audit()
    assert status == 1
    assert said == (
        f"audit chain broken at event {first.pk + 1}: it was inserted out of order "
        f"(it and event {later.pk} both follow event {first.pk})"
    )


def test_it_names_an_event_added_at_the_end_outside_the_application(events):
    last = events[-1]
    forged = {**AuditEvent.objects.values(*chain.FIELDS).get(pk=last.pk), "id": last.pk + 1}
    insert_raw(forged, last.chain_hash, chain.digest(forged, last.chain_hash))
    status, said = verify_audit()
    assert status == 1
    assert said.startswith(f"audit chain broken at event {last.pk + 1}: it is not the end")


def test_it_notices_a_missing_chain_head(events):
    AuditChainHead.objects.filter(pk=HEAD_ID).delete()
    status, said = verify_audit()
    assert (status, said) == (
        1,
        f"audit chain broken at event {events[-1].pk}: the chain head is missing",
    )
