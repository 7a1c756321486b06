"""Refusals look like errors and warnings like warnings: a refused discharge, an admission below
the decided level of care."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from detoxdesk.accounts.models import Role
from detoxdesk.aftercare import actions as aftercare
from detoxdesk.intake import actions as intake
from detoxdesk.patients.models import Episode
from factories import PASSWORD, Unit, make_patient, make_user
from factories_intake import make_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DANGER = "rgb(164, 22, 26)"  # --danger in app.css


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_refused_discharge_shows_one_error_listing_what_is_unresolved(page, screenshot):
    unit = Unit()
    discharge = aftercare.do_start_discharge(unit.episode, acting_user=unit.nurse, kind="completed")
    sign_in(page, "nurse")
    page.goto(reverse("aftercare:bundle", args=[discharge.uuid]))
    page.get_by_role("button", name="Sign discharge").click()

    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Error: the discharge was not signed.")
    expect(alert.locator("li")).to_have_count(6)
    expect(page.locator(".message")).to_have_count(0)  # no banner per item, green or not
    color = alert.evaluate("el => getComputedStyle(el).borderTopColor")
    assert color == DANGER
    screenshot("discharge-refused")


def test_admitting_below_the_decided_level_asks_for_an_acknowledged_reason(page, screenshot):
    unit = Unit()
    patient = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_evaluation(patient, unit.ward, unit.prescriber, complete=True)
    intake.do_decide_level(
        evaluation, acting_user=unit.prescriber, level="4-WM", reason="Unstable angina"
    )
    intake.do_sign_evaluation(evaluation, acting_user=unit.prescriber)
    make_user(Role.NURSE, unit.ward, unit.other, username="frontdesk")
    sign_in(page, "frontdesk")
    page.goto(reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid}))
    expect(page.locator("section.level-warning")).to_contain_text("Clinic B (outpatient clinic)")
    page.get_by_label("Admit to").select_option(label="Clinic B (below the decided level of care)")
    page.get_by_role("button", name="Admit").click()

    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    expect(page.locator("section.level-warning")).to_contain_text("tick to acknowledge it")
    screenshot("admission-below-level-warning")
    assert not Episode.objects.filter(patient=patient).exists()

    page.get_by_label("I acknowledge that this admission is below").check()
    page.get_by_label("Reason for admitting below").fill("Declines hospital; daily clinic review")
    page.get_by_role("button", name="Admit").click()
    expect(page.locator(".message.success")).to_contain_text("admitted")
    expect(page.locator(".below-level-note")).to_contain_text(
        "Declines hospital; daily clinic review"
    )
    screenshot("admission-below-level-chart")
