"""A COWS sent with items unanswered (Enter pressed on a radio, say) saves nothing and says why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.clinical import scales
from detoxdesk.monitoring.models import Assessment

pytestmark = pytest.mark.django_db


def test_it_refuses_a_half_filled_cows_naming_the_items_left(unit, as_user):
    cows = scales.get_scale("cows")
    answered = {item.key: item.options[0].value for item in cows.items[:3]}
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])
    response = as_user(unit.nurse).post(url, {"performed_at": "2026-03-02T09:55", **answered})
    html = response.content.decode()
    assert not Assessment.objects.exists()
    assert "Nothing was saved" in html
    left = [item for item in cows.items[3:] if item.key != "resting_pulse_rate"]
    assert f"{len(cows.items) - 3} of {len(cows.items)} items are not answered" in html
    for item in left:
        assert item.label in html
