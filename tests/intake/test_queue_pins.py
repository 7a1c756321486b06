"""The intake queue costs the same number of statements with one inquiry or a full page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from factories_intake import make_inquiry

QUEUE_QUERIES = 13  # signing-in, the audit event, the page and its count, the session save


@pytest.mark.parametrize("inquiries", [1, 40])
def test_the_queue_costs_the_same_with_1_or_40_inquiries(
    unit, as_user, inquiries, django_assert_num_queries
):
    for n in range(inquiries):
        make_inquiry(unit.ward, phone=f"555-2{n:03d}")
    client = as_user(unit.coordinator)
    client.get(reverse("intake:queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("intake:queue"))
    assert len(response.context["page"].object_list) == min(inquiries, 25)
