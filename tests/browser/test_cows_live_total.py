"""The live COWS total on the form is the total the server saves, whatever the heart rate.

The page reads the heart-rate-to-pulse-item table that the server renders from the knowledge it
scores with, so the two cannot drift apart. One case per edge of each pulse band, and the case
that once showed 13 on the page while 14 was saved (a heart rate of 90, pulse item 1).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from detoxdesk.monitoring.models import Assessment
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every item except the pulse: 13 points together.
ANSWERS = {
    "Sweating": "3 —",
    "Restlessness": "3 —",
    "Pupil size": "2 —",
    "Gooseflesh skin": "3 —",
    "Bone or joint aches": "2 —",
    "Runny nose or tearing": "0 —",
    "Stomach upset": "0 —",
    "Tremor": "0 —",
    "Yawning": "0 —",
    "Anxiety or irritability": "0 —",
}
# Heart rate, the total the server must save (13 + the pulse item of the COWS form's bands).
CASES = [(90, 14), (80, 13), (81, 14), (100, 14), (101, 15), (120, 15), (121, 17)]


def test_the_live_total_equals_the_saved_total_at_every_pulse_band_edge(page, screenshot):
    unit = Unit()
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Census board")).to_be_visible()
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])
    for heart_rate, expected in CASES:
        page.goto(url)
        for legend, option in ANSWERS.items():
            page.get_by_role("group", name=legend).get_by_label(option, exact=False).check()
        expect(page.locator("#running-total")).to_have_text("13")
        page.get_by_label("Measured resting heart rate (/min)").fill(str(heart_rate))
        live = page.locator("#running-total")
        expect(live).to_have_text(str(expected))
        expect(page.locator("#running-count")).to_contain_text("All 11 items answered")
        if heart_rate == 90:
            expect(page.locator("#running-pulse")).to_contain_text("heart rate: 1")
            screenshot("cows-live-total-heart-rate")
        shown = live.inner_text()
        page.get_by_role("button", name="Save COWS").click()
        expect(page.locator(".message")).to_contain_text(f"COWS {expected} ")
        saved = Assessment.objects.filter(measured_heart_rate=heart_rate).get()
        assert (heart_rate, shown, saved.total) == (heart_rate, str(expected), expected)
