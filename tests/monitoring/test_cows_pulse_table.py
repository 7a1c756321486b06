"""The COWS form carries the server's own heart-rate-to-pulse-item table for its live total."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from detoxdesk.clinical import scales


def band_data(page: str) -> dict[str, object]:
    found = re.search(r'<script id="band-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None, "the form carries no band data"
    return json.loads(found.group(1))


def test_it_renders_the_pulse_table_the_server_scores_with(unit, as_user):
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])
    data = band_data(as_user(unit.nurse).get(url).content.decode())
    assert data["pulse_item"] == [dict(row) for row in scales.cows_pulse_table()]
    assert data["pulse_item"][0] == {"min": None, "max": 80, "value": 0}


def test_other_scales_carry_no_pulse_table(unit, as_user):
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "sows"])
    assert band_data(as_user(unit.nurse).get(url).content.decode())["pulse_item"] is None


def lookup(table: tuple[dict[str, int | None], ...], rate: int) -> int | None:
    """The lookup the page script makes, written out again here to hold it to the table."""
    for row in table:
        low, high = row["min"], row["max"]
        if (low is None or low <= rate) and (high is None or rate <= high):
            return row["value"]
    return None


@pytest.mark.parametrize("rate", [20, 79, 80, 81, 90, 100, 101, 120, 121, 250])
def test_the_table_gives_what_the_server_scores(rate: int) -> None:
    assert lookup(scales.cows_pulse_table(), rate) == scales.cows_pulse_item(rate)
