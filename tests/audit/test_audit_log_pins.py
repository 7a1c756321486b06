"""The audit log costs the same number of statements with a few events or many pages of them."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from detoxdesk.audit import log

AUDIT_QUERIES = 13  # signing-in, the audit event, the page and its count, the session save


@pytest.mark.parametrize("events", [1, 120])
def test_the_audit_log_costs_the_same_with_1_or_120_events(
    unit, as_user, events, django_assert_num_queries
):
    with transaction.atomic():
        for _ in range(events):
            log.record("chart.viewed", actor=unit.nurse, patient=unit.patient)
    client = as_user(unit.director)
    client.get(reverse("audit:log"))
    with django_assert_num_queries(AUDIT_QUERIES):
        response = client.get(reverse("audit:log"))
    assert len(response.context["page"].object_list) == min(
        events + 2, 50
    )  # and the two views of the log
