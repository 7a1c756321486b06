"""The front door to the census board: inquiry on a phone, intake call, evaluation, admission."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.intake.models import Evaluation, Inquiry
from detoxdesk.patients.models import Bed, Episode
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page, name):
    """Save a full-page PNG of ``page`` (this test drives its own pages, not the fixture's)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def check_accessibility_basics(page):
    """Every input labelled, one main landmark, the skip link moves focus to main."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabelled == []
    assert page.locator("main").count() == 1
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_family_member_asks_for_help_and_the_person_is_admitted(browser, live_server):
    cache.clear()
    unit = Unit()
    Bed.objects.create(facility=unit.ward, label="B02")

    # 1. A family member on a phone-sized screen.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.set_default_timeout(15000)
    page.goto("/")
    expect(page.get_by_role("link", name="988").first).to_be_visible()
    page.get_by_role("link", name="Ask for help").first.click()
    expect(page.get_by_role("heading", name="Ask for help")).to_be_visible()
    check_accessibility_basics(page)
    no_scroll = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert no_scroll, "the page scrolls sideways at 360 px"

    safety = page.get_by_role("group", name="Is someone overdosing or unresponsive right now?")
    safety.get_by_label("Yes").check()
    expect(page.locator(".right-now.if-yes")).to_be_visible()  # what to do now, before anything
    safety.get_by_label("No").check()
    expect(page.locator(".right-now.if-yes")).to_be_hidden()
    page.get_by_role("group", name="Is the person thinking about ending their life?").get_by_label(
        "No"
    ).check()
    page.get_by_label("For someone I care about").check()
    page.get_by_label("Your name (if asking for someone else)").fill("Maria Lopez")
    page.get_by_label("How you know them (if asking for someone else)").fill("mother")
    page.get_by_label("First name of the person who needs help").fill("Daniel")
    page.get_by_label("Last name (optional)").fill("Lopez")
    page.get_by_label("Phone number").fill("555-0142")
    page.get_by_label("Best time to reach you (optional)").fill("after 5 pm")
    page.get_by_label("Where would you like help? (optional)").select_option(label="Ward A")
    page.get_by_label("Heroin").check()
    page.get_by_label("Fentanyl").check()
    shot(page, "intake-01-inquiry-form-phone")
    # Keyboard users reach the submit button by tabbing.
    page.get_by_label("Anything else you want us to know (optional)").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my request")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you. We received your message.")).to_be_visible()
    assert page.url.split("#")[0].endswith("/get-help/thanks/")  # nothing identifying
    shot(page, "intake-02-thanks-phone")
    phone.close()
    inquiry = Inquiry.objects.get()
    assert inquiry.facility == unit.ward and inquiry.urgency == Inquiry.Urgency.PRIORITY

    # 2. The coordinator logs a call and converts the inquiry.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Intake").click()
    expect(page.get_by_role("heading", name="Intake queue")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Daniel Lopez")
    expect(row).to_contain_text("Priority")
    shot(page, "intake-03-queue")
    row.get_by_role("link", name="Daniel Lopez", exact=True).click()
    page.get_by_role("group", name="Outcome").get_by_label("Reached").check()
    page.get_by_role("button", name="Log attempt").click()
    expect(page.get_by_text("Contact attempt logged.")).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_value("Daniel")  # nothing retyped
    page.get_by_label("Record number").fill("MRN-5001")
    page.get_by_label("Date of birth").fill("1994-06-02")
    shot(page, "intake-04-inquiry")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_text("Daniel Lopez is now a patient (MRN-5001).")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # 3. The prescriber evaluates, sees the recommendation, chooses another level with a reason.
    sign_in(page, "prescriber")
    page.goto("/evaluations/")
    page.get_by_role("link", name="Lopez, Daniel").click()
    page.get_by_role("button", name="Start an evaluation").click()
    last_use = (timezone.localtime() - timedelta(hours=14)).strftime("%Y-%m-%dT%H:%M")
    expect(page.get_by_label("Substance 1", exact=True)).to_have_value("heroin")  # from the inquiry
    page.get_by_label("Route, substance 1").select_option("smoked")
    page.get_by_label("Daily use, substance 1").select_option("yes")
    page.get_by_label("Last use, substance 1").fill(last_use)
    answers = {
        "Withdrawal seizures ever": "No",
        "Delirium tremens ever": "No",
        "Overdose in the past year": "No",
        "Pregnant": "No",
        "Unstable medical condition": "No",
        "Psychosis": "No",
        "Stable housing": "Yes",
        "A supportive person at home": "Yes",
        "Fentanyl exposure (known or likely in the supply)": "Yes",
    }
    for legend, choice in answers.items():
        page.get_by_role("group", name=legend).get_by_label(choice, exact=True).check()
    page.get_by_label("Suicide-risk screen: suicidal thoughts").select_option("none")
    page.get_by_role("button", name="Complete and see the recommendation").click()
    expect(page.get_by_role("heading", name="Level-of-care recommendation")).to_be_visible()
    expect(page.locator(".flags")).to_contain_text("Fentanyl exposure")
    expect(page.locator(".course")).to_contain_text("variable, may be prolonged")
    evaluation = Evaluation.objects.get()
    shot(page, "intake-05-recommendation")
    other = "3.7-WM" if evaluation.recommended_level != "3.7-WM" else "4-WM"
    page.get_by_role("group", name="Level of care").get_by_label(other, exact=False).check()
    page.get_by_role("button", name="Record the level").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    page.get_by_role("group", name="Level of care").get_by_label(other, exact=False).check()
    page.get_by_label("Reason (required when choosing another level than recommended)").fill(
        "Lives alone with fentanyl in the home; wants inpatient care"
    )
    page.get_by_role("button", name="Record the level").click()
    expect(page.get_by_text(f"Level of care {other} recorded.")).to_be_visible()
    page.get_by_role("button", name="Sign the evaluation").click()
    expect(page.get_by_text("Evaluation signed.")).to_be_visible()
    page.get_by_role("button", name="Draft the treatment plan").click()
    page.get_by_role("group", name="Medication pathway").get_by_label(
        "Buprenorphine", exact=False
    ).check()
    page.get_by_role("button", name="Save plan").click()
    page.get_by_role("button", name="Sign the plan").click()
    expect(page.get_by_text("Treatment plan signed.")).to_be_visible()
    shot(page, "intake-06-plan")

    # 4. Admission to a free bed; the patient is on the census board.
    page.get_by_role("link", name="Evaluation of Daniel Lopez").click()
    page.get_by_role("link", name="Admit").click()
    page.get_by_label("Admit to").select_option(label="Ward A")
    page.get_by_label("Bed (inpatient unit only)").select_option(label="Ward A B02")
    page.get_by_role("button", name="Admit").click()
    expect(page.get_by_text("Daniel Lopez admitted.")).to_be_visible()
    expect(page.locator(".intake-panel")).to_contain_text(other)
    shot(page, "intake-07-chart")
    page.get_by_role("link", name="Census").click()
    row = page.get_by_role("row").filter(has_text="Lopez")
    expect(row).to_contain_text("B02")
    shot(page, "intake-08-census")
    desk.close()
    episode = Episode.objects.get(patient__family_name="Lopez")
    assert episode.bed.label == "B02"
    evaluation.refresh_from_db()
    assert evaluation.level_overridden and evaluation.episode == episode


def test_the_chart_shows_the_expected_course_with_a_now_marker(browser, live_server):
    from factories_intake import make_evaluation

    unit = Unit()
    make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True, hours_ago=60)
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    course = page.locator(".intake-panel .course")
    expect(course).to_contain_text("Short-acting opioids")
    expect(course.locator("svg .now-line")).to_have_count(1)
    expect(course.locator("svg rect.current")).to_have_count(1)
    expect(course).to_contain_text("SAMHSA TIP 63")
    shot(page, "intake-09-course-timeline")
    desk.close()


def test_it_takes_a_call_and_closes_the_inquiry_after_confirmation(browser, live_server):
    cache.clear()
    unit = Unit()
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15000)
    sign_in(page, unit.coordinator.username)
    page.goto("/intake/")
    page.get_by_role("link", name="New inquiry").click()
    expect(page.get_by_role("heading", name="New inquiry from a phone call")).to_be_visible()
    expect(page.get_by_text("read this out now")).to_be_visible()
    check_accessibility_basics(page)

    page.get_by_role("group", name="Is someone overdosing or unresponsive right now?").get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name="Is the person thinking about ending their life?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("For myself").check()
    page.get_by_label("First name of the person who needs help").fill("Sam")
    page.get_by_label("Phone number").fill("555-0177")
    page.get_by_role("button", name="Save inquiry").click()
    expect(page.get_by_text("Inquiry saved.")).to_be_visible()
    taken = Inquiry.objects.get()
    assert taken.source == Inquiry.Source.PHONE and taken.urgency == Inquiry.Urgency.URGENT
    shot(page, "intake-phone-inquiry")

    page.get_by_role("group", name="Reason").get_by_label("Declined").check()
    page.get_by_label("Note (where they were referred, or anything else)").fill("Will call back")
    page.get_by_role("button", name="Review and close").click()
    expect(page.get_by_role("heading", name="Close the inquiry from Sam?")).to_be_visible()
    expect(page.get_by_text("Will call back")).to_be_visible()
    taken.refresh_from_db()
    assert taken.status == Inquiry.Status.NEW
    shot(page, "intake-close-confirm")
    page.get_by_role("button", name="Close inquiry").click()
    expect(page.get_by_text("Inquiry closed.")).to_be_visible()
    taken.refresh_from_db()
    assert taken.status == Inquiry.Status.CLOSED
    desk.close()
