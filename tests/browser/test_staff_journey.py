from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from detoxdesk.accounts.models import User
from factories import PASSWORD, Unit, make_episode
from factories_staff import REASON

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username, password=PASSWORD):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_an_administrator_invites_a_nurse_who_sets_up_her_account(page, screenshot):
    unit = Unit()
    refused: list[str] = []  # the strict CSP refusing anything would show here
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    sign_in(page, "admin")
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    screenshot("staff-list")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad")
    page.get_by_label("E-mail address").fill("noor@example.org")
    page.get_by_label("Role").select_option("nurse")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("An invitation was sent to noor@example.org")).to_be_visible()
    screenshot("staff-invite")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/staff/accept/" in line)
    sign_out(page)

    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome, Noor")).to_be_visible()
    page.get_by_label("Username").fill("noor.h")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    screenshot("staff-accept-error")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    sign_in(page, "noor.h")
    expect(page.get_by_role("heading", name="Census")).to_be_visible()
    sign_out(page)

    sign_in(page, "admin")
    noor = User.objects.get(username="noor.h")
    page.goto(f"/staff/people/{noor.uuid}/")
    screenshot("staff-person")
    page.get_by_role("link", name="Deactivate…").click()
    screenshot("staff-confirm-deactivate")
    page.get_by_role("button", name="Deactivate the account").click()
    expect(page.get_by_text("every session has ended")).to_be_visible()
    page.goto(f"/staff/facilities/{unit.ward.uuid}/")
    screenshot("staff-facility")
    assert refused == []


def test_a_nurse_breaks_the_glass_and_the_director_reviews_it(page, screenshot):
    unit = Unit()
    elsewhere = make_episode(unit.other)
    sign_in(page, "nurse")
    page.get_by_role("link", name="Emergency access").click()
    page.get_by_label("Record number").fill(elsewhere.patient.record_number)
    page.get_by_label("Date of birth").fill(elsewhere.patient.date_of_birth.isoformat())
    page.get_by_label("Why you need this chart now").fill(REASON)
    screenshot("staff-emergency-form")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.locator(".emergency-banner")).to_contain_text(REASON)
    screenshot("staff-emergency-chart")
    sign_out(page)
    sign_in(page, "director")
    page.goto("/staff/emergency/review/")
    expect(page.get_by_role("cell", name=REASON)).to_be_visible()
    screenshot("staff-emergency-review")
