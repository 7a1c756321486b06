"""Numbers no column can hold get a field error on the form, and nothing is saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.monitoring.models import Assessment
from factories import cows_answers


@pytest.mark.parametrize("rate", ["-1", "1" * 30, "32768"])
def test_it_refuses_a_cows_heart_rate_the_record_cannot_hold(unit, as_user, rate):
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])
    answers = cows_answers()
    answers.pop("resting_pulse_rate")
    data = {
        "performed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **answers,
        "measured_heart_rate": rate,
    }
    response = as_user(unit.nurse).post(url, data)
    assert response.status_code == 200
    assert "measured_heart_rate" in response.context["form"].errors
    assert not Assessment.objects.exists()
