"""A nurse releases an episode as a FHIR record from the chart: refused without a consent, then
downloaded once the consent covers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from detoxdesk.disclosures.models import Disclosure
from factories import PASSWORD, Unit
from factories_disclosures import make_consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def release(page, recipient: str) -> None:
    page.get_by_label("Recipient").fill(recipient)
    page.get_by_label("Treatment", exact=True).check()


def test_a_nurse_is_refused_then_downloads_the_fhir_record(page, screenshot):
    unit = Unit()
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    page.get_by_role("link", name="Release this episode as a FHIR record").click()
    release(page, "Harbor Primary Care")
    page.get_by_role("button", name="Release and download").click()
    expect(page.get_by_role("alert")).to_contain_text("No consent")
    screenshot("fhir-release-refused")
    assert not Disclosure.objects.exists()

    make_consent(unit.nurse, unit.patient, unit.ward, information=["fhir_bundle"])
    release(page, "Harbor Primary Care")
    with page.expect_download() as download:
        page.get_by_role("button", name="Release and download").click()
    bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert Disclosure.objects.get().recipient == "Harbor Primary Care"
