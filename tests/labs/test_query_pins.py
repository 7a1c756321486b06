"""The results list and its print cost the same number of statements at any size (pinned)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from factories_labs import record_result, record_screen

pytestmark = pytest.mark.django_db

# Sign-in (session, user, memberships), the episode, the results, their findings, and the audit
# event (a savepoint, the chain head read, the event written, the head moved, the release).
LIST_QUERIES = 11


def _seed(unit, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        if n % 2:
            record_screen(unit.episode, unit.nurse, at=now - timedelta(hours=n + 1))
        else:
            record_result(
                unit.episode,
                unit.nurse,
                "alcohol",
                {"alcohol": "negative"},
                specimen="breath",
                at=now - timedelta(hours=n + 1),
            )


@pytest.mark.parametrize("count", [2, 30])
@pytest.mark.parametrize("name", ["labs:results", "labs:print"])
def test_the_list_costs_the_same_at_any_size(unit, as_user, count, name, django_assert_num_queries):
    _seed(unit, count)
    client = as_user(unit.nurse)
    url = reverse(name, args=[unit.episode.uuid])
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["results"]) == min(count, 25 if name == "labs:results" else 200)
