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


@pytest.mark.django_db
def test_the_demo_facts_and_the_evaluation_give_one_last_opioid_use(capsys):
    from detoxdesk.intake import queries as intake_queries

    call_command("load_demo")
    compared = 0
    for facts in PatientFacts.objects.exclude(last_opioid_use_at=None).select_related("episode"):
        evaluated = intake_queries.last_opioid_use(facts.episode.patient)
        if evaluated is not None:
            assert facts.last_opioid_use_at == evaluated.at
            assert facts.opioid_class == evaluated.opioid_class
            compared += 1
    assert compared
