"""Record a consent, print the discharge summary for the named recipient, be refused for another,
revoke the consent and read the accounting of disclosures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.disclosures.models import Consent, Disclosure
from factories import PASSWORD, Unit
from factories_aftercare import start_discharge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n% scanned signed consent\n%%EOF\n"


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def release(page, recipient):
    page.get_by_role("link", name="Consents and disclosures", exact=True).first.click()
    page.get_by_role("link", name="Print for the patient or someone outside").first.click()
    page.get_by_label("What to print").select_option("discharge_summary")
    page.get_by_label("Someone outside the program").check()
    page.get_by_label("Recipient's name").fill(recipient)
    page.get_by_label("Purpose").select_option("treatment")
    page.get_by_role("button", name="Check the consent and print").click()


def test_a_consent_opens_the_door_for_its_recipient_only_until_revoked(page, screenshot):
    unit = Unit()
    start_discharge(unit)
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Consents and disclosures").first.click()
    expect(page.get_by_role("main")).to_contain_text("No consent on file")
    page.get_by_role("link", name="Record a consent").click()

    page.get_by_label("The discharge summary and aftercare plan").check()
    page.get_by_label("Recipients, one name per line").fill("Harbor Primary Care")
    page.get_by_label("Treatment", exact=True).check()
    expires = timezone.localdate() + timedelta(days=90)
    page.get_by_label("Expires on").fill(expires.isoformat())
    page.get_by_label("Signed on paper (scanned copy attached)").check()
    page.get_by_label("Signed by", exact=True).fill(unit.patient.full_name)
    page.get_by_label("Scanned signed consent").set_input_files(
        {"name": "signed-consent.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot("consent-form")
    page.get_by_role("button", name="Record the consent").click()
    document = page.locator("article.consent-document")
    expect(document).to_contain_text("Harbor Primary Care")
    expect(document).to_contain_text("revoke this consent in writing")
    expect(document).to_contain_text(f"{expires:%a} {expires.day} {expires:%b %Y}")
    screenshot("consent-print-view")

    release(page, "Harbor Primary Care")
    expect(page.locator(".part2-notice")).to_contain_text("protected by Federal confidentiality")
    expect(page.locator("article.discharge-summary")).to_be_visible()
    expect(page.locator(".consent-copy")).to_contain_text("Harbor Primary Care")
    screenshot("disclosure-package")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".part2-notice")).to_be_visible()
    screenshot("disclosure-package-print")
    page.emulate_media(media="screen")

    release(page, "Bay Clinic")
    refusal = page.locator(".refused")
    expect(refusal).to_contain_text("Refused: nothing was disclosed.")
    expect(refusal).to_contain_text("does not name Bay Clinic as a recipient")
    screenshot("disclosure-refused")
    assert Disclosure.objects.count() == 1

    page.get_by_role("link", name="See the patient's consents").click()
    page.locator(".consent-row a").first.click()
    page.get_by_role("link", name="Revoke (written revocation received)").click()
    page.get_by_role("button", name="Revoke the consent").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    page.get_by_label("I have the patient's written revocation").check()
    page.get_by_role("button", name="Revoke the consent").click()
    expect(page.locator(".flag.revoked")).to_contain_text("Disclosures made before stand")
    screenshot("consent-revoked")
    assert Consent.objects.get().status == Consent.Status.REVOKED

    release(page, "Harbor Primary Care")
    expect(page.locator(".refused")).to_contain_text("was revoked")

    page.goto(f"/patients/{unit.patient.uuid}/accounting/")
    table = page.locator("table.accounting")
    expect(table).to_contain_text("Harbor Primary Care")
    expect(table).to_contain_text("The discharge summary")
    expect(page.locator("table.accounting tbody tr")).to_have_count(1)
    screenshot("accounting-of-disclosures")
