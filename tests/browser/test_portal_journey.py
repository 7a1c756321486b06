from __future__ import annotations

import pytest
from playwright.sync_api import expect

from detoxdesk.monitoring.models import Assessment
from detoxdesk.portal.models import CravingRating
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page, username, password=PASSWORD):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_a_patient_accepts_an_invitation_reports_symptoms_and_the_nurse_sees_them(page, screenshot):
    unit = Unit()
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Invite to the portal").click()
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Invitation link").input_value()
    assert "/my/invitation/" in link
    screenshot("portal-invite-link")
    sign_out(page)

    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_role("heading", name="Set up your account")).to_be_visible()
    page.get_by_label("Username").fill("sam.r")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name=f"Hello, {unit.patient.given_name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Need help right now?")).to_be_visible()
    screenshot("portal-home-phone")

    page.get_by_role("link", name="Check my symptoms").click()
    questions = page.locator("fieldset.portal-question")
    count = questions.count()
    assert count == 16
    for i in range(count):
        questions.nth(i).get_by_label("1 — A little").check()
    screenshot("portal-sows-phone")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Your SOWS score today is 16")).to_be_visible()

    page.get_by_role("group", name="How strong is your craving right now?").get_by_label(
        "6", exact=True
    ).check()
    page.get_by_role("button", name="Save my craving rating").click()
    expect(page.get_by_text("Your craving rating was saved")).to_be_visible()
    screenshot("portal-after-submit-phone")
    assert Assessment.objects.get().recorded_by.username == "sam.r"
    assert CravingRating.objects.get().rating == 6

    # The patient cannot open a staff chart, not even their own.
    response = page.goto(f"/patients/{unit.patient.uuid}/")
    assert response.status in (403, 404)
    page.goto("/my/")
    sign_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    panel = page.locator(".portal-panel")
    expect(panel).to_contain_text("Latest craving: 6/10")
    history = page.get_by_role("region", name="Assessment history").or_(
        page.locator("section", has=page.get_by_role("heading", name="Assessment history"))
    )
    expect(history.first).to_contain_text("SOWS")
    expect(history.first).to_contain_text("16")
    screenshot("portal-chart-nurse")
