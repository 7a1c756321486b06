"""The controlled-substance ledger, end to end in a real browser.

A nurse receives methadone into the cart; gives a 15 mg dose from a 2 mL draw and wastes the rest
before a witness; at shift change counts the cart blind with a second nurse's signature and finds
less than the ledger holds; the director sees the open discrepancy on the census, resolves it with
a reason, and prints the dispensing log.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from detoxdesk.controlled.models import Discrepancy, Entry
from factories import PASSWORD, Unit
from factories_controlled import make_location, make_product, methadone_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_receive_give_with_waste_count_resolve_and_print_the_log(page, screenshot):
    unit = Unit()
    make_location(unit.ward, unit.director)
    make_product(unit.ward, unit.director, label="Methadone HCl oral concentrate")
    order = methadone_order(unit.episode, unit.prescriber, "15")

    sign_in(page, "nurse")
    page.get_by_role("link", name="Controlled", exact=True).click()
    expect(page.get_by_text("No controlled stock at Ward A yet")).to_be_visible()
    page.get_by_role("link", name="Receive stock").click()
    page.get_by_label("Received into").select_option(label="Cart 1")
    page.get_by_label("Product").select_option(index=1)
    page.get_by_label("Lot number").fill("MET-0426")
    page.get_by_label("Units received").fill("10")
    page.get_by_label("Supplier (name and address)").fill("Harbor Wholesale, 12 Dock St")
    page.get_by_label("Invoice or DEA Form 222 number").fill("INV-5521")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".message")).to_contain_text("Cart 1 now holds 10")
    screenshot("controlled-1-received")

    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Medication record").click()
    prn = page.get_by_role("region", name="As-needed (PRN) doses now")
    prn.get_by_role("link", name="Record dose").click()
    page.get_by_role("radio", name="Given").check()
    page.get_by_label("Drawn from (location and lot)").select_option(index=1)
    page.get_by_label("Units drawn").fill("2")
    page.get_by_label("Units wasted (the rest of a partial dose)").fill("0.5")
    page.get_by_label("Waste witness's username").fill("prescriber")
    page.get_by_label("Waste witness's password").fill(PASSWORD)
    warnings = page.get_by_label("I have read the safety warnings shown")
    if warnings.count():
        warnings.check()
    screenshot("controlled-2-dose-with-waste")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".message")).to_contain_text("15 mg recorded as given")
    assert list(Entry.objects.order_by("pk").values_list("kind", "amount")) == [
        ("receipt", Decimal(10)),
        ("administration", Decimal("-1.5")),
        ("waste", Decimal("-0.5")),
    ]
    assert order.line.administrations.get().controlled_draw.witness == unit.prescriber

    page.get_by_role("link", name="Controlled", exact=True).click()
    page.get_by_role("link", name="Count Cart 1").click()
    expect(page.get_by_text("The ledger's balance is not shown")).to_be_visible()
    page.get_by_label("Methadone HCl oral concentrate 10 mg oral solution — mLs counted").fill("7")
    page.get_by_label("Second staff member's username").fill("prescriber")
    page.get_by_label("Second staff member's password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the count").click()
    expect(page.locator(".message")).to_contain_text("a discrepancy is open")
    screenshot("controlled-3-count-discrepancy")
    sign_out(page)

    sign_in(page, "director")
    page.get_by_role("link", name="Census").click()
    notice = page.get_by_role("note", name="Open controlled-substance discrepancies")
    expect(notice).to_contain_text("counted 7, ledger 8")
    screenshot("controlled-4-census-discrepancy")
    notice.get_by_role("link").click()
    expect(
        page.get_by_role("heading", name="If this is a theft or significant loss")
    ).to_be_visible()
    page.get_by_label("What was found, and the reason for the difference").fill(
        "One mL spilled at the 06:00 dose, not recorded; waste re-witnessed and charted."
    )
    page.get_by_label("Adjust the ledger to the count").check()
    page.get_by_label("I resolve this discrepancy").check()
    page.get_by_role("button", name="Resolve the discrepancy").click()
    expect(page.locator(".message")).to_contain_text("Discrepancy resolved")
    assert Discrepancy.objects.get().resolved_by == unit.director

    page.get_by_role("link", name="Controlled", exact=True).click()
    page.get_by_label("Facility").select_option(label="Ward A")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="7 mL")).to_be_visible()  # adjusted to the count
    page.get_by_role("link", name="Dispensing log").click()
    expect(page.locator("table.controlled-log tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", name="Controlled-substance dispensing log")).to_be_visible()
    expect(page.locator("table.controlled-log")).to_contain_text("adjustment")
    screenshot("controlled-5-log-print")
