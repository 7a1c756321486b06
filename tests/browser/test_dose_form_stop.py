"""At the bedside in a real browser: while the safety check shows a stop, the dose form has no
outcome chosen, so the nurse chooses one herself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from factories import PASSWORD, Unit
from factories_medications import make_facts, record_cows, sign_bup_standard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dose_form_chooses_no_outcome_while_a_stop_is_shown(page, screenshot):
    unit = Unit()
    make_facts(
        unit.episode,
        unit.prescriber,
        opioid_class="short_acting",
        last_opioid_use_at=timezone.now() - timedelta(hours=20),
    )
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 6, timezone.now() - timedelta(minutes=5))

    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/orders/{order.line.uuid}/doses/new/")

    expect(page.get_by_role("heading", name="Safety check: stop")).to_be_visible()
    outcome = page.get_by_role("group", name="Outcome")
    for name in ("Given", "Held", "Refused", "Omitted"):
        expect(outcome.get_by_label(name)).not_to_be_checked()
    screenshot("dose-form-stop-nothing-chosen")
