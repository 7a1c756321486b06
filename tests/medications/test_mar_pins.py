"""The medication record costs the same number of statements with one as-needed order or many."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.medications import actions
from factories_medications import make_facts, record_cows, sign_bup_standard, sign_prn

MAR_QUERIES = 30  # signing-in, the audit event and the session save included

PRN = [
    ("loperamide", "2", "diarrhoea", {}),
    ("ondansetron", "4", "nausea", {"trigger_scale": "cows", "trigger_min_total": 5}),
    ("loperamide", "2", "loose stools", {"trigger_scale": "ciwa_ar", "trigger_min_total": 5}),
    ("ondansetron", "4", "vomiting", {}),
]


@pytest.mark.parametrize("orders", [1, len(PRN)])
def test_the_mar_costs_the_same_with_one_or_many_prn_orders(
    unit, as_user, orders, django_assert_num_queries
):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=timezone.now() - timedelta(days=1))
    sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 6, timezone.now() - timedelta(minutes=90))
    for drug, dose, indication, more in PRN[:orders]:
        order = sign_prn(unit.episode, unit.prescriber, drug, dose, indication, **more)
        actions.do_record_administration(
            order,
            acting_user=unit.nurse,
            outcome="given",
            occurred_at=timezone.now() - timedelta(minutes=60),
            confirmation=actions.DoseConfirmation(acknowledge_warnings=True),
        )
    client = as_user(unit.nurse)
    with django_assert_num_queries(MAR_QUERIES):
        response = client.get(reverse("medications:mar", args=[unit.episode.uuid]))
    mar = response.context["mar"]
    assert len(mar.prn) == orders + 1
    assert len(mar.reassessments) == orders
