"""After ``load_demo`` the dispensing log is not empty: receipts, the demo patients' doses, one
waste with a witness, and one shift count."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from detoxdesk.audit.models import AuditEvent
from detoxdesk.controlled.models import Count, DoseDraw, Entry
from detoxdesk.medications.models import Administration


@pytest.mark.django_db
def test_the_demo_ships_controlled_stock_doses_a_witnessed_waste_and_a_count(capsys):
    call_command("load_demo")
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert {"receipt", "transfer_out", "transfer_in", "administration", "waste"} <= kinds
    given = Administration.objects.filter(outcome="given", drug="buprenorphine")
    assert given.exists()
    assert DoseDraw.objects.count() == given.count()
    waste = Entry.objects.get(kind="waste")
    assert waste.witness is not None and waste.witness != waste.recorded_by
    count = Count.objects.get()
    assert count.counted_by != count.cosigned_by
    assert not count.lines.exclude(counted=models_expected()).exists()
    assert AuditEvent.objects.filter(event="controlled.entry_recorded").count() == (
        Entry.objects.count()
    )
    first = Entry.objects.order_by("occurred_at").first().occurred_at.date().isoformat()
    last = Entry.objects.order_by("-occurred_at").first().occurred_at.date().isoformat()
    out = io.StringIO()
    call_command("controlled_substances_log", "--from", first, "--to", last, stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == Entry.objects.count()
    assert any(r["entry"] == "administration" and r["patient_record_number"] for r in rows)


def models_expected():
    from django.db.models import F

    return F("expected")
