from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.monitoring import actions as monitoring
from detoxdesk.tapers.models import TaperPlan
from factories import PASSWORD, Unit, cows_answers
from factories_tapers import set_thresholds

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def shown(day: date) -> str:
    """A day as the calendar lists it (SHORT_DATE_FORMAT: the year is in the plan's dates)."""
    return f"{day:%a} {day.day} {day:%b}"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_a_prescriber_plans_holds_and_resumes_a_methadone_taper(page, screenshot):
    unit = Unit()
    set_thresholds(unit, cows=13)
    sign_in(page, "prescriber")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Plan a taper").click()
    page.get_by_label("Kind of taper").select_option("methadone")
    page.get_by_label("Current daily dose").fill("30")
    page.get_by_label("Smallest increment that can be given").fill("5")
    page.get_by_label("Days to zero (withdrawal tapers)").fill("6")
    screenshot("taper-plan-form")
    page.get_by_role("button", name="Propose schedule").click()

    expect(page.get_by_role("heading", name="Methadone withdrawal taper")).to_be_visible()
    expect(page.locator("svg rect.bar")).to_have_count(7)
    page.get_by_role("link", name="Sign plan").click()
    page.get_by_role("button", name="Sign plan").click()  # without times: refused, field named
    expect(page.locator(".field-error")).to_contain_text("medication record")
    page.get_by_label("Times of day the doses are given (medication record)").fill("08:00")
    page.get_by_label("I acknowledge the safety warnings of the medication order").check()
    page.get_by_role("button", name="Sign plan").click()
    expect(page.locator(".message")).to_contain_text("Taper plan signed")

    plan = TaperPlan.objects.get()
    first, planned_end = (date.fromisoformat(plan.steps[i]["date"]) for i in (0, -1))
    monitoring.do_record_assessment(
        unit.episode,
        "cows",
        cows_answers(sweating=3, restlessness=3, gooseflesh_skin=5, pupil_size=2),
        acting_user=unit.nurse,
        performed_at=timezone.now(),
    )
    page.reload()
    flag = page.get_by_role("region", name="Symptom-aware hold")
    expect(flag).to_contain_text("The next reduction")
    expect(flag).to_contain_text("COWS 13")
    expect(page.locator("svg rect.bar.flagged")).to_have_count(1)
    screenshot("taper-flagged")

    page.get_by_role("link", name="Hold").click()
    expect(page.get_by_label("Hold the dose from")).to_have_value(str(first + timedelta(days=1)))
    page.get_by_label("Reason").fill("COWS 13 before the next reduction")
    page.get_by_role("button", name="Hold at the current dose").click()
    expect(page.locator(".status-held").first).to_contain_text("Held")

    page.get_by_role("link", name="Resume").click()
    expect(page.get_by_label("Resume reductions on")).to_have_value(str(first + timedelta(days=2)))
    page.get_by_label("Reason").fill("Symptoms settled")
    page.get_by_role("button", name="Resume reductions").click()
    expect(page.locator(".message")).to_contain_text("Taper resumed")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("held 1 day")
    screenshot("taper-resumed")

    page.goto(f"/patients/{unit.patient.uuid}/")
    panel = page.get_by_role("region", name="Taper")
    expect(panel).to_contain_text("Signed and active")
    end = planned_end + timedelta(days=1)
    expect(panel).to_contain_text(f"ends {end:%a} {end.day} {end:%b}")
    screenshot("taper-chart-panel")

    panel.get_by_role("link", name="Patient calendar (print)").click()
    calendar = page.locator(".taper-calendar")
    expect(calendar).to_contain_text(shown(planned_end + timedelta(days=1)))
    # The held day says so in the patient's words; the calendar carries no staff badges.
    expect(calendar.get_by_role("row").nth(2)).to_contain_text("The taper is paused")
    expect(calendar.locator(".tag")).to_have_count(0)
    expect(page.locator(".crisis")).to_contain_text("988")
    screenshot("taper-calendar")
    page.emulate_media(media="print")
    screenshot("taper-calendar-print")
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=True)
        assert pdf.startswith(b"%PDF") and 1 <= pdf_pages(pdf) <= 2, paper


def test_a_nurse_totals_mme_with_more_rows_and_sees_buprenorphine_excluded(page, screenshot):
    Unit()
    sign_in(page, "nurse")
    page.get_by_role("link", name="MME").click()
    expect(page.get_by_role("note")).to_contain_text("must not be used to convert")
    page.get_by_role("button", name="More rows").click()
    expect(page.locator("select[name=drug_6]")).to_be_visible()
    page.get_by_label("Opioid, row 1").select_option("oxycodone")
    page.get_by_label("Dose, row 1").fill("20")
    page.get_by_label("Doses per day, row 1").fill("3")
    page.get_by_label("Opioid, row 6").select_option("buprenorphine")
    page.get_by_label("Dose, row 6").fill("8")
    page.get_by_label("Doses per day, row 6").fill("2")
    page.get_by_role("button", name="Calculate").click()
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("Total: 90 MME/day")
    expect(result).to_contain_text("At or above 90")
    expect(result).to_contain_text("Buprenorphine: excluded from the total")
    screenshot("mme-calculator")
