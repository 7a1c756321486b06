"""The shift handoff of a 30-bed unit printed to PDF on A4 and Letter, and finding a discharged
patient with the keyboard alone, in a real browser at desktop and phone widths."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from detoxdesk.medications import actions
from detoxdesk.patients import actions as patient_actions
from detoxdesk.patients.models import Episode
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit
from factories import PASSWORD, Unit, make_episode, make_patient
from factories_board import seed_census
from factories_medications import sign_prn, sign_scheduled
from factories_notes import make_note

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A PDF page object (not the /Pages tree): how many sheets of paper the report takes.
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _thirty_bed_unit() -> tuple[Unit, StaffUnit]:
    unit = Unit()
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    BedStatus.objects.create(bed=unit.bed, unit=wing)
    episodes = [unit.episode, *seed_census(unit.ward, unit.nurse, 29, unit=wing)]
    now = timezone.now()
    for n, episode in enumerate(episodes):
        sign_scheduled(episode, unit.prescriber, "clonidine", "0.1", time(8), time(14), time(20))
        prn = sign_prn(episode, unit.prescriber, "loperamide", "2", "diarrhoea")
        actions.do_record_administration(
            prn, acting_user=unit.nurse, outcome="given", occurred_at=now - timedelta(minutes=5)
        )
        if n % 3 == 0:
            actions.do_record_administration(
                prn,
                acting_user=unit.nurse,
                outcome="held",
                occurred_at=now - timedelta(minutes=2),
                reason="Asleep, reassess at the next round",
            )
        if n % 4 == 0:
            patient_actions.do_record_allergy(
                episode.patient,
                acting_user=unit.nurse,
                values={"other_substance": "Penicillin", "reaction": "rash", "severity": "severe"},
            )
        make_note(
            episode,
            unit.nurse,
            key="nursing_shift",
            sign=n % 2 == 0,
            condition="Restless overnight, COWS easing since the morning dose.",
            care="Comfort PRNs as charted; fluids encouraged.",
            plan="Reassess COWS at the next round; watch for loose stools.",
        )
        patient_actions.do_set_code_status(
            episode,
            acting_user=unit.prescriber,
            code_status="dnr" if n % 7 == 0 else "full_code",
            note="Discussed on admission" if n % 7 == 0 else "",
            expected_version=1,
        )
    return unit, wing


def test_a_30_bed_handoff_prints_on_a4_and_letter(page, screenshot):
    unit, wing = _thirty_bed_unit()
    sign_in(page, "nurse")
    page.goto(f"/census/handoff/?place=u-{wing.uuid}")
    expect(page.get_by_role("heading", name="Shift handoff: Ward A — North wing")).to_be_visible()
    expect(page.locator("table.handoff tbody tr")).to_have_count(30)
    screenshot("handoff-desktop")
    ARTIFACTS.mkdir(exist_ok=True)
    sheets = {}
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, landscape=True, print_background=False)
        (ARTIFACTS / f"handoff-{paper}.pdf").write_bytes(pdf)
        sheets[paper] = len(PAGE_OBJECT.findall(pdf))
    # Thirty patients, each row kept whole, take a handful of sheets on either paper.
    assert all(1 < n <= 7 for n in sheets.values()), sheets  # 6 when measured
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1056, "height": 816})  # Letter landscape at 96 dpi
    screenshot("handoff-print-letter")
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    screenshot("handoff-print-a4")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "handoff-360-top.png"))  # the first screen only
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # no sideways scrolling on a phone


def test_a_nurse_finds_a_discharged_patient_with_the_keyboard(page, screenshot):
    unit = Unit()
    patient = make_patient(
        unit.program, given_name="Rosa", family_name="Delgado", date_of_birth=date(1979, 6, 5)
    )
    make_episode(
        unit.ward,
        patient,
        admitted_at=timezone.now() - timedelta(days=40),
        status=Episode.Status.DISCHARGED,
        discharged_at=timezone.now() - timedelta(days=33),
    )
    make_episode(unit.ward, patient)  # readmitted today
    sign_in(page, "nurse")
    page.get_by_role("link", name="Find a patient").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Find a patient")).to_be_visible()
    expect(page.get_by_label("Name or record number")).to_be_focused()  # ready to type
    page.keyboard.type("delgado")
    page.keyboard.press("Enter")
    results = page.locator("table.search-results tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("(discharged)")
    expect(results).to_contain_text("(active)")
    screenshot("search-desktop")
    expect(page.get_by_label("Name or record number")).to_be_focused()  # still there
    first = page.get_by_role("link", name="Delgado, Rosa")
    # Past the date of birth (month, day, year and its picker) and the Search button.
    presses = 0
    while presses < 8 and page.evaluate("document.activeElement.textContent") != "Delgado, Rosa":
        page.keyboard.press("Tab")
        presses += 1
    expect(first).to_be_focused()
    assert presses <= 6, presses  # the date picker has its own button
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot("search-360")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Episodes of care (2)")).to_be_visible()
    screenshot("chart-episodes")
