from __future__ import annotations

import pytest
from playwright.sync_api import expect

from detoxdesk.notes.models import Note
from factories import PASSWORD, Unit
from factories_notes import make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_nurse_writes_a_shift_note_on_a_goal_signs_it_and_adds_an_addendum(page, screenshot):
    unit = Unit()
    make_plan(unit.episode, unit.counselor)
    sign_in(page, "nurse")
    page.goto(f"/patients/{unit.patient.uuid}/")
    panel = page.get_by_role("region", name="Progress notes")
    expect(panel).to_contain_text("No notes yet for this stay.")
    panel.get_by_role("link", name="Nursing shift note").click()

    page.get_by_role("button", name="Save draft").click()  # nothing written: refused, named
    expect(page.locator(".field-error").first).to_contain_text("at least one section")
    page.get_by_label("Condition and withdrawal symptoms").fill("Yawning, runny nose; COWS 9.")
    page.get_by_label("For the next shift").fill("Recheck COWS at 10:00.")
    page.get_by_label("Treatment-plan goal addressed").select_option("Complete withdrawal safely")
    screenshot("notes-write")
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator(".message")).to_contain_text("Draft saved")
    expect(page.get_by_text("Draft, not signed")).to_be_visible()
    page.get_by_role("button", name="Sign note").click()
    expect(page.locator(".message")).to_contain_text("Note signed")
    expect(page.get_by_role("button", name="Sign note")).to_have_count(0)
    page.get_by_role("textbox", name="Addendum").fill("COWS at 10:00 was 6.")
    page.get_by_role("button", name="Sign addendum").click()
    expect(page.locator(".addendum")).to_contain_text("COWS at 10:00 was 6.")
    screenshot("notes-signed")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("notes-signed-phone")

    note = Note.objects.get()
    assert note.status == "signed" and note.goal == "Complete withdrawal safely"
    page.goto(f"/episodes/{unit.episode.uuid}/golden-thread/")
    expect(page.get_by_role("region", name="Complete withdrawal safely")).to_contain_text(
        "Nursing shift note"
    )
    screenshot("notes-golden-thread-phone")
