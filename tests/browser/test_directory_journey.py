from __future__ import annotations

import pytest
from playwright.sync_api import expect

from factories_directory import make_place, make_resource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_family_member_finds_help_near_a_zip_on_a_phone(page, screenshot):
    make_place("02108", "Boston", 42.3576, -71.0637)
    make_resource(
        name="Harborview OTP",
        kind="opioid_treatment_program",
        address_line="120 Dock Street",
        city="Boston",
        region="MA",
        postcode="02108",
        latitude=42.3591,
        longitude=-71.0589,
        phone="617-555-0140",
        services=["methadone", "buprenorphine"],
    )
    make_resource(
        name="Worcester OTP",
        kind="opioid_treatment_program",
        latitude=42.2626,
        longitude=-71.8023,
        services=["methadone"],
    )
    make_resource(name="Boston Sober House", kind="sober_living", latitude=42.36, longitude=-71.06)
    page.set_viewport_size(PHONE)
    page.goto("/find-help/")
    expect(page.get_by_role("heading", name="Find help near you")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Need help right now?")
    expect(page.get_by_role("link", name="988").first).to_be_visible()
    screenshot("directory-public-empty-phone")

    page.get_by_label("Type").select_option("opioid_treatment_program")
    page.get_by_label("Service").fill("Methadone")
    page.get_by_label("Near (ZIP, postcode, place or “lat, lon”)").fill("02108")
    page.get_by_label("Within").select_option("10")
    page.get_by_role("button", name="Search").click()

    results = page.locator(".resource")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Harborview OTP")
    expect(results.first).to_contain_text("miles")
    expect(results.first.get_by_role("link", name="617-555-0140")).to_have_attribute(
        "href", "tel:617-555-0140"
    )
    screenshot("directory-public-results-phone")

    page.get_by_label("Within").select_option("50")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".resource h3")).to_have_text(["Harborview OTP", "Worcester OTP"])

    page.get_by_label("Near (ZIP, postcode, place or “lat, lon”)").fill("Atlantis")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("We do not know that place.")).to_be_visible()
