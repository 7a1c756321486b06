"""The census for a network and a long chart, in a real browser, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.staff.models import Unit as StaffUnit
from factories import PASSWORD, Unit, make_episode
from factories_board import seed_assessments, seed_census, seed_vitals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_director_reads_one_unit_then_the_network_with_the_keyboard(page, screenshot):
    unit = Unit()
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    seed_census(unit.ward, unit.director, 12, unit=wing)
    seed_census(unit.other, unit.director, 60)
    sign_in(page, "director")
    expect(page.get_by_role("heading", name="Census board")).to_be_visible()
    # One unit by default: the first facility, not the whole network.
    expect(page.get_by_role("combobox", name="Unit")).to_have_value(f"f-{unit.other.uuid}")
    expect(page.locator("table.census tbody tr")).to_have_count(50)
    expect(page.get_by_role("navigation", name="Census pages")).to_contain_text("Next page")
    screenshot("census-desktop")

    select = page.get_by_role("combobox", name="Unit")
    select.focus()
    select.select_option(f"u-{wing.uuid}")
    page.keyboard.press("Tab")  # to the search box
    page.keyboard.press("Tab")  # to "Show"
    page.keyboard.press("Enter")
    expect(page.locator("table.census tbody tr")).to_have_count(12)
    expect(page.locator("tr.has-critical")).to_have_count(1)
    expect(page.locator("tr.has-critical")).to_contain_text("Critical: Heart rate 140")

    page.get_by_role("combobox", name="Unit").select_option("all")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.census tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Next page →").click()
    # 13 at the ward and 60 at the clinic: 23 on the second page
    expect(page.locator("table.census tbody tr")).to_have_count(23)
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot("census-360")


def test_a_long_stay_charts_its_last_hours_and_pages_its_history(page, screenshot):
    unit = Unit()
    episode = make_episode(unit.ward, admitted_at=timezone.now() - timedelta(days=70))
    seed_assessments(episode, unit.nurse, 3000, every=timedelta(minutes=30))
    seed_assessments(episode, unit.nurse, 300, every=timedelta(hours=4), scale="ciwa_ar")
    seed_vitals(episode, unit.nurse, 45)
    sign_in(page, "nurse")
    page.goto(f"/patients/{episode.patient.uuid}/")
    trends = page.locator("section[aria-labelledby=trends-heading]")
    expect(trends.locator("polyline.series")).to_have_count(2)
    expect(trends.locator("circle")).to_have_count(0)
    cows = trends.locator("figure").first
    expect(cows.locator(".trend-summary")).to_contain_text("COWS scores from")
    svg = cows.locator("svg")
    described = svg.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("highest")
    screenshot("chart-desktop")

    history = page.locator("section[aria-labelledby=history-heading]")
    first_row = history.locator("tbody tr").first.inner_text()
    history.get_by_role("link", name="Older →").click()
    expect(history.locator("tbody tr")).to_have_count(20)
    assert history.locator("tbody tr").first.inner_text() != first_row
    history.get_by_role("link", name="← Newer").click()
    expect(history.locator("tbody tr").first).to_have_text(first_row)
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot("chart-360")
