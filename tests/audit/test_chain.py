"""The audit hash chain: how events link, the canonical form, and the database's refusal."""

from __future__ import annotations

import importlib
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from audit_tampering import raw
from detoxdesk.audit import chain, guard, log
from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent
from detoxdesk.audit.verify import verify

backfill_migration = importlib.import_module("detoxdesk.audit.migrations.0002_hash_chain")

SAMPLE = {
    "id": 7,
    "at": datetime(2026, 3, 2, 10, 0, 0, 250, tzinfo=ZoneInfo("America/New_York")),
    "event": "chart.viewed",
    "actor_id": 3,
    "patient_id": 11,
    "facility_id": None,
    "request_id": "abc",
    "object_type": "patients.patient",
    "object_id": "4f1c",
    "changes": {"total": 12.0, "band": "mild", "note": "café", "pair": [1, 2.5], "ok": True},
    "ip_address": "10.0.0.1",
}


def test_it_links_each_event_to_the_one_before(unit):
    first = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    second = log.record("census.viewed", actor=unit.nurse, facility=unit.ward)
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.chain_hash
    stored = AuditEvent.objects.values(*chain.FIELDS).get(pk=second.pk)
    assert second.chain_hash == chain.digest(stored, first.chain_hash)
    head = AuditChainHead.objects.get(pk=HEAD_ID)
    assert (head.last_event_id, head.last_hash) == (second.pk, second.chain_hash)


def test_several_events_append_in_order_with_one_lock_of_the_head(unit):
    first = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    with CaptureQueriesContext(connection) as queries:
        second, third = log.record_many(
            [
                {"event": "census.viewed", "actor": unit.nurse, "facility": unit.ward},
                {"event": "chart.viewed", "actor": None, "patient": unit.patient},
            ]
        )
    sql = [q["sql"] for q in queries.captured_queries]
    head_reads = [s for s in sql if s.startswith("SELECT") and "auditchainhead" in s]
    assert len(head_reads) == 1
    if connection.features.has_select_for_update:  # SQLite's write lock is BEGIN IMMEDIATE
        assert "FOR UPDATE" in head_reads[0]
    assert (second.pk, third.pk) == (first.pk + 1, first.pk + 2)
    assert second.prev_hash == first.chain_hash and third.prev_hash == second.chain_hash
    stored = AuditEvent.objects.values(*chain.FIELDS).get(pk=third.pk)
    assert third.chain_hash == chain.digest(stored, second.chain_hash)
    head = AuditChainHead.objects.get(pk=HEAD_ID)
    assert (head.last_event_id, head.last_hash, head.events) == (third.pk, third.chain_hash, 3)
    assert verify().intact
    with pytest.raises(log.UnknownEventError):
        log.record_many([{"event": "no.such_event", "actor": None}])
    assert AuditEvent.objects.count() == 3


def test_the_canonical_form_is_fixed():
    # Pinned: changing the form would break the chain of every database in service.
    assert chain.canonical(SAMPLE, chain.GENESIS).decode() == (
        '{"actor_id":3,"at":"2026-03-02T15:00:00.000250+00:00","changes":{"band":"mild",'
        '"note":"caf\\u00e9","ok":true,"pair":[1,2.5],"total":12},"event":"chart.viewed",'
        '"facility_id":null,"id":7,"ip_address":"10.0.0.1","object_id":"4f1c",'
        '"object_type":"patients.patient","patient_id":11,"prev":"' + "0" * 64 + '",'
        '"request_id":"abc","v":1}'
    )
    assert chain.digest(SAMPLE, chain.GENESIS) == (
        "2bc72d05bfdde6a4aee0b7e01cb823e846b5aff61d0ff684fcd982dafdd58863"
    )


def test_the_migration_backfill_hashes_as_the_application_does():
    for prev in (chain.GENESIS, "f" * 64):
        assert backfill_migration.digest_v1(SAMPLE, prev) == chain.digest(SAMPLE, prev)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        chain.digest({**SAMPLE, "at": datetime(2026, 3, 2, 10, 0)}, chain.GENESIS)  # noqa: DTZ001


def test_stored_values_hash_the_same_when_read_back(unit):
    # Values each database stores in its own way: floats in jsonb, IPv6, non-ASCII text.
    log.record(
        "chart.viewed",
        actor=unit.nurse,
        patient=unit.patient,
        changes={"big": 1e20, "small": 1.5e-7, "third": 1 / 3, "nested": {"ü": [None, False]}},
        ip_address="2001:0db8:0000:0000:0000:0000:0000:0001",
    )
    log.record("census.viewed", actor=None, ip_address="::ffff:10.0.0.1")
    assert verify().intact


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET event = 'chart.peeked'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(unit, statement):
    log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get().event == "chart.viewed"


def test_the_plain_queryset_cannot_go_around_the_guard(unit):
    event = log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    plain = models.QuerySet(AuditEvent)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=event.pk).update(event="chart.peeked")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().event == "chart.viewed"


def test_postgresql_refuses_truncate(unit):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE.")
    log.record("chart.viewed", actor=unit.nurse)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE waits for them
        cursor.execute("TRUNCATE audit_auditevent")


def test_every_migration_leaves_the_triggers_in_place(db):
    # A later migration that rebuilds the table (SQLite does for most changes) drops them.
    expected = {"audit_auditevent_no_update", "audit_auditevent_no_delete"}
    if connection.vendor == "postgresql":
        expected.add("audit_auditevent_no_truncate")
    assert guard.trigger_names(connection) == expected


def test_lifting_the_guard_is_undone_at_the_end_of_the_block(unit):
    log.record("chart.viewed", actor=unit.nurse)
    raw("UPDATE audit_auditevent SET event = 'census.viewed'")
    assert AuditEvent.objects.get().event == "census.viewed"
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET event = 'chart.viewed'")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_linear_chain():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    from factories import Unit

    unit = Unit()
    writers, each = 4, 10
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                with transaction.atomic():
                    log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    outcome = verify()
    assert outcome.intact, outcome.summary()
    assert outcome.events == AuditEvent.objects.count() == writers * each + 0
