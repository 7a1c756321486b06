from __future__ import annotations

import pytest
from django.core.management import call_command

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications.models import Administration, OrderLine, PatientFacts


@pytest.mark.django_db
def test_it_loads_demo_orders_through_the_actions(capsys):
    call_command("load_demo")
    assert OrderLine.objects.count() == 6  # five orders and the signed methadone taper's
    assert set(OrderLine.objects.values_list("drug", flat=True)) == {
        "buprenorphine",
        "lofexidine",
        "loperamide",
        "methadone",
    }
    assert PatientFacts.objects.count() == 3
    assert AuditEvent.objects.filter(event="order.signed").count() == 6
    assert (
        Administration.objects.filter(outcome="given").count()
        == AuditEvent.objects.filter(event="dose.given").count()
    )
    assert Administration.objects.filter(drug="buprenorphine").exists()
