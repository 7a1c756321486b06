"""``log.record_many(inserts=...)``: new records written with the audit events about them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from detoxdesk.audit import log
from detoxdesk.audit.models import AuditEvent
from detoxdesk.audit.verify import verify
from detoxdesk.monitoring.models import Assessment, VitalSigns
from detoxdesk.patients.models import Bed
from factories import history_row


def _assessment(unit, minutes: int) -> Assessment:
    return history_row(unit.episode, timezone.now() - timedelta(minutes=minutes), unit.nurse)


def _entry(unit, target) -> dict:
    return {"event": "assessment.recorded", "actor": unit.nurse, "target": target}


def test_the_records_and_their_events_are_written_together(unit):
    earlier = _assessment(unit, 60)
    earlier.save()
    new = _assessment(unit, 5)
    signs = VitalSigns(
        episode=unit.episode,
        measured_at=new.performed_at,
        recorded_at=new.recorded_at,
        recorded_by=unit.nurse,
        heart_rate=80,
    )
    before = Assessment.objects.filter(performed_at__lt=new.performed_at).values("performed_at")
    new.previous_at = Subquery(before.order_by("-performed_at")[:1])
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        first, second = log.record_many(
            [_entry(unit, new), {**_entry(unit, signs), "event": "vitals.recorded"}],
            inserts=[new, signs],
        )
    assert new.pk is not None and signs.pk is not None
    assert Assessment.objects.get(pk=new.pk).uuid == new.uuid
    assert VitalSigns.objects.get(pk=signs.pk).heart_rate == 80
    # The value the database filled in is read from there, not left as an expression.
    assert new.previous_at == earlier.performed_at
    assert (first.object_id, second.object_id) == (str(new.uuid), str(signs.uuid))
    writes = [q["sql"] for q in queries.captured_queries if "auditchainhead" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1, writes  # the records and the events in one statement
    assert verify().intact


def test_records_are_never_written_without_an_event():
    with pytest.raises(ValueError, match="only with the audit events"):
        log.record_many([], inserts=[Bed(label="B9")])


def test_a_record_without_a_uuid_cannot_be_named_by_its_event(unit):
    nameless = Bed(facility=unit.ward, label="B9")  # beds are named by their key, not a uuid
    with pytest.raises(ValueError, match="needs its uuid"):
        log.record_many([_entry(unit, nameless)], inserts=[nameless])
    assert not Bed.objects.filter(label="B9").exists()
    assert not AuditEvent.objects.exists()
