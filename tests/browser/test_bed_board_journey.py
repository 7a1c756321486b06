"""The bed board and the census's bed counts and alerts, in a real browser, at desktop and phone
widths; a nurse marks a bed cleaned with the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from detoxdesk.beds import actions
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit
from factories import PASSWORD, Unit
from factories_beds import make_bed, reserve
from factories_board import seed_census

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _ward():
    unit = Unit()
    east = StaffUnit.objects.create(facility=unit.ward, name="East wing")
    west = StaffUnit.objects.create(facility=unit.ward, name="West wing")
    BedStatus.objects.create(bed=unit.bed, unit=east)
    seed_census(unit.ward, unit.nurse, 5, unit=east)
    reserve(make_bed(unit.ward, "W01", unit=west), unit.coordinator)
    actions.do_request_cleaning(make_bed(unit.ward, "W02", unit=west), acting_user=unit.nurse)
    make_bed(unit.ward, "W03", unit=west)
    make_bed(unit.ward, "W04", unit=west, in_service=False, out_of_service_reason="Call bell")
    return unit


def test_a_nurse_reads_the_board_and_marks_a_bed_cleaned_with_the_keyboard(page, screenshot):
    unit = _ward()
    sign_in(page, "nurse")
    page.goto("/beds/")
    expect(page.get_by_role("heading", name="Bed board")).to_be_visible()
    expect(page.get_by_role("list", name="Beds by state")).to_contain_text("1 Cleaning")
    expect(page.locator("li.bed.state-reserved")).to_contain_text("For Robin Q.")
    screenshot("bed-board-desktop")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Mark cleaned bed W02")).to_be_hidden()
    screenshot("bed-board-print")
    page.emulate_media(media="screen")

    button = page.get_by_role("button", name="Mark cleaned bed W02")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Bed W02 is clean.")).to_be_visible()
    expect(page.get_by_role("list", name="Beds by state")).to_contain_text("0 Cleaning")

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/beds/?place=f-{unit.ward.uuid}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the board scrolls sideways at 360 px ({width} px wide)"
    screenshot("bed-board-phone")

    page.goto(f"/census/?place=f-{unit.ward.uuid}")
    expect(page.get_by_role("list", name="Beds by state")).to_contain_text("1 Reserved")
    expect(page.locator("ul.board-alerts", has_text="Critical: Heart rate 140")).to_have_count(1)
    expect(page.locator("ul.board-alerts", has_text="Assessment overdue")).to_have_count(1)
    screenshot("census-beds-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    screenshot("census-beds-desktop")
