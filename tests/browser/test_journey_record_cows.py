from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.monitoring import actions
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Episode
from factories import PASSWORD, Unit, cows_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_nurse_records_a_cows_and_sees_it_on_the_chart(page, screenshot):
    unit = Unit()
    actions.do_record_assessment(
        unit.episode,
        "cows",
        cows_answers(sweating=1),
        acting_user=unit.nurse,
        performed_at=timezone.now() - timedelta(hours=5),
    )
    sign_in(page, "nurse")
    expect(page.get_by_role("heading", name="Census board")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=unit.patient.family_name)
    expect(row).to_contain_text("B01")
    expect(row).to_contain_text("Overdue")
    screenshot("census")

    row.get_by_role("link", name=unit.patient.family_name).click()
    page.get_by_role("link", name="Record COWS").click()
    expect(page.get_by_role("heading", name="Clinical Opiate Withdrawal Scale")).to_be_visible()

    choices = {
        "Resting pulse rate": "2 —",
        "Sweating": "3 —",
        "Restlessness": "3 —",
        "Pupil size": "2 —",
        "Gooseflesh skin": "3 —",
    }
    for legend, option in choices.items():
        page.get_by_role("group", name=legend).get_by_label(option, exact=False).check()
    expect(page.locator("#running-total")).to_have_text("13")
    expect(page.locator("#running-count")).to_contain_text("5 of 11")
    page.get_by_role("button", name="Save COWS").click()

    # A missing item is refused next to its field and nothing is saved.
    bone = page.get_by_role("group", name="Bone or joint aches")
    expect(bone).to_contain_text("This item is required")
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    assert Assessment.objects.count() == 1
    screenshot("cows-refused")

    for legend in (
        "Bone or joint aches",
        "Runny nose or tearing",
        "Stomach upset",
        "Tremor",
        "Yawning",
        "Anxiety or irritability",
    ):
        page.get_by_role("group", name=legend).get_by_label("0 —", exact=False).check()
    expect(page.locator("#running-band")).to_have_text("Moderate")
    page.get_by_role("button", name="Save COWS").click()

    expect(page.locator(".message")).to_contain_text("COWS 13 (Moderate) recorded")
    history = page.get_by_role("region", name="Assessment history")
    expect(history.get_by_role("row").nth(1)).to_contain_text("13")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Test nurse")
    cows_trend = page.locator("figure.trend").first
    expect(cows_trend.locator("polyline.series")).to_have_count(1)
    expect(cows_trend.locator(".trend-summary")).to_contain_text("2 COWS scores")
    expect(cows_trend.locator(".trend-summary")).to_contain_text("highest 13")
    screenshot("chart")
    assert Episode.objects.get().assessments.latest("performed_at").total == 13


def test_a_director_reads_the_audit_log_of_that_work(page, screenshot):
    unit = Unit()
    actions.do_record_assessment(
        unit.episode, "cows", cows_answers(), acting_user=unit.nurse, performed_at=timezone.now()
    )
    sign_in(page, "director")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Event").select_option("assessment.recorded")
    page.get_by_role("button", name="Filter").click()
    table = page.locator("table.audit")
    expect(table).to_contain_text("assessment.recorded")
    expect(table).to_contain_text(unit.patient.record_number)
    expect(table).not_to_contain_text("auth.signed_in")
    screenshot("audit-log")
