"""The follow-up worklist costs the same number of statements with one discharge or several."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from factories import Unit, make_episode
from factories_aftercare import signed_discharge

DISCHARGED = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
WORKLIST_QUERIES = 12  # signing-in, the audit event, the page, its count and the contacts' phones

pytestmark = pytest.mark.now(DISCHARGED)


@pytest.mark.parametrize("discharges", [1, 5])
def test_the_worklist_costs_the_same_with_1_or_5_discharges(
    as_user, unit: Unit, discharges: int, django_assert_num_queries
) -> None:
    signed_discharge(unit, now=DISCHARGED)
    for _ in range(discharges - 1):
        unit.episode = make_episode(unit.ward)
        unit.patient = unit.episode.patient
        signed_discharge(unit, now=DISCHARGED)
    with time_machine.travel(datetime(2026, 4, 20, 14, tzinfo=UTC), tick=False):
        client = as_user(unit.counselor)
        client.get(reverse("aftercare:follow_ups"))
        with django_assert_num_queries(WORKLIST_QUERIES):
            response = client.get(reverse("aftercare:follow_ups"))
    assert len(response.context["rows"]) == 3 * discharges
