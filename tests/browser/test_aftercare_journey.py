"""Discharge a patient with MOUD and naloxone, print the summary, and follow up three days later."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.aftercare.models import Discharge, FollowUp
from detoxdesk.disclosures.models import Disclosure
from detoxdesk.intake.models import Inquiry
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def record(page, item, outcome="Done", **fields):
    page.get_by_role("link", name=f"Record: {item}").click()
    page.get_by_role("radio", name=outcome, exact=True).check()
    for label, value in fields.items():
        page.get_by_label(label, exact=False).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message")).to_contain_text("recorded")


def test_a_patient_is_discharged_then_asks_for_help_at_the_first_follow_up(
    page, screenshot, tmp_path
):
    unit = Unit()
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Discharge", exact=True).click()
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Start discharge").click()
    expect(page.locator("#progress")).to_contain_text("0 of 6")

    page.get_by_role("link", name="Record: MOUD offered or continued").click()
    page.get_by_role("radio", name="Done", exact=True).check()
    page.get_by_label("Buprenorphine prescription", exact=True).check()
    page.get_by_label("Buprenorphine prescription (dose").fill("Buprenorphine-naloxone 16 mg daily")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Record: Naloxone dispensed or prescribed").click()
    page.get_by_role("radio", name="Done", exact=True).check()
    page.get_by_label("Dispensed").check()
    page.get_by_role("button", name="Save").click()

    record(page, "Overdose and lost-tolerance education")
    record(page, "Crisis numbers given")
    tomorrow = timezone.localtime() + timedelta(days=1)
    record(
        page,
        "Warm hand-off appointment",
        **{
            "Provider the patient will see": "Dr. Ana Lee",
            "Appointment date and time": tomorrow.strftime("%Y-%m-%dT10:00"),
            "Place (address)": "Harbor Clinic, 12 Pier Road",
            "Phone": "555-0101",
        },
    )

    page.get_by_role("link", name="Choose referrals").click()
    page.get_by_label("Name", exact=True).fill("SMART Recovery Tuesday group")
    page.get_by_label("Phone").fill("555-0177")
    page.get_by_role("button", name="Add referral").click()
    page.get_by_role("link", name="Mark the referrals item done").click()
    page.get_by_role("radio", name="Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#progress")).to_contain_text("6 of 6")
    screenshot("discharge-bundle")

    page.get_by_role("button", name="Sign discharge").click()
    summary = page.locator("article.discharge-summary")
    expect(summary).to_contain_text("your risk of overdose is higher now")
    expect(summary).to_contain_text("we gave you naloxone to take home")
    expect(summary).to_contain_text("Buprenorphine-naloxone 16 mg daily")
    expect(summary).to_contain_text("Dr. Ana Lee")
    expect(summary).to_contain_text("SMART Recovery Tuesday group")
    expect(summary).to_contain_text("988")
    # The summary is printed for the patient through the disclosure door, which records the copy.
    page.get_by_role("link", name="Print for the patient or someone outside").click()
    page.get_by_label("The patient themself").check()
    page.get_by_role("button", name="Check the consent and print").click()
    expect(page.locator("article.discharge-summary")).to_contain_text("Dr. Ana Lee")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("article.discharge-summary")).to_be_visible()
    page.pdf(path=str(tmp_path / "summary.pdf"), format="Letter")
    assert (tmp_path / "summary.pdf").stat().st_size > 1000
    screenshot("discharge-summary-print")
    page.emulate_media(media="screen")
    assert Discharge.objects.get().is_signed
    assert Disclosure.objects.get().legal_basis == Disclosure.LegalBasis.PATIENT_ACCESS

    # Three days on (the idle sign-out applies): the counselor works the follow-up list.
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
        sign_in(page, "counselor")
        page.get_by_role("link", name="Follow-ups").click()
        row = page.get_by_role("row").filter(has_text=unit.patient.family_name)
        expect(row).to_contain_text("Day 3")
        row.get_by_role("link", name="Record").click()
        page.get_by_role("group", name="Was the patient reached?").get_by_label("Yes").check()
        page.get_by_role("group", name="Any opioid use since discharge").get_by_label("Yes").check()
        page.get_by_label("Needs help now").check()
        page.get_by_label("Note").fill("Using again, wants to come back in")
        page.get_by_role("button", name="Save follow-up").click()
        expect(page.locator(".message")).to_contain_text("An inquiry is now in the intake queue")
        screenshot("follow-up-recorded")

        sign_in(page, "coordinator")
        page.get_by_role("link", name="Intake").click()
        expect(page.get_by_role("main")).to_contain_text(unit.patient.family_name)
        screenshot("intake-queue-after-follow-up")
    inquiry = Inquiry.objects.get(uuid=FollowUp.objects.get(day_offset=3).inquiry_uuid)
    assert inquiry.patient == unit.patient
