"""A standard buprenorphine start, end to end in a real browser.

A prescriber records the opioid last used and signs a standard start from its order set; a nurse
scores COWS 6 and is told the patient is not ready and why; scores COWS 14 (the COWS form's time
field dates the first score an hour earlier, so no clock is moved); gives 4 mg; is stopped from
re-dosing before the interval; and sees the day's total on the record.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.medications.models import Administration
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COWS_ITEMS = (
    "Resting pulse rate",
    "Sweating",
    "Restlessness",
    "Pupil size",
    "Bone or joint aches",
    "Runny nose or tearing",
    "Stomach upset",
    "Tremor",
    "Yawning",
    "Anxiety or irritability",
    "Gooseflesh skin",
)


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def local(moment, unit) -> str:
    return moment.astimezone(ZoneInfo(unit.program.timezone)).strftime("%Y-%m-%dT%H:%M")


def record_cows(page, unit, picks, when):
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Record COWS").click()
    page.get_by_label("Time of assessment").fill(local(when, unit))
    for item in COWS_ITEMS:
        value = picks.get(item, 0)
        page.get_by_role("group", name=item).get_by_label(f"{value} —", exact=False).check()
    page.get_by_role("button", name="Save COWS").click()
    expect(page.locator(".message")).to_contain_text("recorded")


def open_record_dose(page, unit):
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Medication record").click()
    prn = page.get_by_role("region", name="As-needed (PRN) doses now")
    prn.get_by_role("link", name="Record dose").click()


def test_a_standard_buprenorphine_start_from_order_to_day_total(page, screenshot):
    unit = Unit()
    now = timezone.now()

    sign_in(page, "prescriber")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Medication record").click()
    page.get_by_role("link", name="Medication facts").click()
    page.get_by_label("Opioid last used").select_option("short_acting")
    page.get_by_label("Last opioid use").fill(local(now - timedelta(hours=20), unit))
    page.get_by_role("button", name="Save facts").click()
    page.get_by_role("link", name="New order").click()
    page.get_by_role("link", name="Buprenorphine: standard start").click()
    expect(page.get_by_label("Dose (mg)", exact=True)).to_have_value("4")
    screenshot("medications-order-set")
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".safety-check")).to_contain_text("Offer naloxone")
    page.get_by_label("I have read the safety warnings shown").check()  # the naloxone offer
    page.get_by_role("button", name="Sign order").click()
    expect(page.locator(".message")).to_contain_text("Order signed: Buprenorphine 4 mg")
    sign_out(page)

    sign_in(page, "nurse")
    record_cows(
        page,
        unit,
        {"Sweating": 2, "Bone or joint aches": 2, "Yawning": 2},
        now - timedelta(minutes=61),
    )
    page.get_by_role("link", name="Medication record").click()
    prn = page.get_by_role("region", name="As-needed (PRN) doses now")
    expect(prn).to_contain_text("Not now")
    expect(prn).to_contain_text("The latest COWS is 6, below this order's trigger of 8.")
    prn.get_by_role("link", name="Record dose").click()
    check = page.get_by_role("region", name="Safety check: stop")
    expect(check).to_contain_text("COWS 6 is below the gate of 8 for short-acting opioids")
    expect(check).to_contain_text("precipitated withdrawal")
    expect(page.locator(".stop-note")).to_contain_text("Do not give this dose")
    screenshot("medications-not-ready")

    record_cows(
        page,
        unit,
        {"Sweating": 2, "Bone or joint aches": 4, "Yawning": 4, "Anxiety or irritability": 4},
        timezone.now(),
    )
    open_record_dose(page, unit)
    expect(page.get_by_role("region", name="Safety check: no findings")).to_be_visible()
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".message")).to_contain_text("Buprenorphine 4 mg recorded as given")
    assert Administration.objects.get().dose_mg == 4

    open_record_dose(page, unit)
    check = page.get_by_role("region", name="Safety check: stop")
    expect(check).to_contain_text("wait at least 60 minutes between doses")
    screenshot("medications-redose-stopped")
    outcome = page.get_by_role("group", name="Outcome")
    expect(outcome.get_by_label("Given")).not_to_be_checked()  # nothing chosen beside a stop
    outcome.get_by_label("Given").check()
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".error-summary")).to_contain_text("cannot override a stop")
    assert Administration.objects.count() == 1

    page.get_by_role("link", name="← Medication record").click()
    totals = page.get_by_role("region", name="Given today")
    expect(totals).to_contain_text("Buprenorphine: 4 mg")
    recorded = page.get_by_role("region", name="Recorded this shift")
    expect(recorded).to_contain_text("Test nurse")
    screenshot("medications-mar")
