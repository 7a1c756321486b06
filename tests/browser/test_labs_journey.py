"""A nurse records a urine drug screen in a real browser and reads it back, at desktop and phone
widths; a prescriber checks an import file."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_nurse_records_a_screen_and_reads_it_on_the_chart(page, screenshot):
    unit = Unit()
    sign_in(page, "nurse")
    page.goto(f"/labs/episodes/{unit.episode.uuid}/results/new/urine_drug_screen/")
    expect(page.get_by_role("heading", name="Record: Urine drug screen")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    screenshot("labs-record-errors")
    taken = timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Specimen taken").fill(taken)
    for name in (
        "Fentanyl",
        "Opiates",
        "Buprenorphine",
        "Methadone",
        "Oxycodone",
        "Benzodiazepines",
        "Amphetamines",
        "Cocaine",
    ):
        group = page.get_by_role("group", name=name, exact=True)
        group.get_by_label("Positive" if name == "Fentanyl" else "Negative").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Urine drug screen")).to_be_visible()
    expect(page.get_by_text("up to 4 weeks (chronic use)")).to_be_visible()
    screenshot("labs-detail-desktop")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot("labs-detail-phone")
    page.goto(f"/patients/{unit.patient.uuid}/")
    expect(page.get_by_role("heading", name="Drug tests and other results")).to_be_visible()
    page.get_by_role("heading", name="Drug tests and other results").scroll_into_view_if_needed()
    screenshot("labs-chart-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/labs/episodes/{unit.episode.uuid}/results/")
    screenshot("labs-list-desktop")


def test_a_prescriber_checks_an_import_file(page, screenshot, tmp_path):
    unit = Unit()
    sign_in(page, "prescriber")
    path = tmp_path / "results.csv"
    path.write_text(
        "record_number,test,specimen,specimen_time,method,fentanyl\n"
        f"{unit.patient.record_number},urine_drug_screen,urine,2020-01-01 08:00,poc,maybe\n"
    )
    page.goto("/labs/import/")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("line 2, column fentanyl")).to_be_visible()
    screenshot("labs-import-desktop")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot("labs-import-phone")
