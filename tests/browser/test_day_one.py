"""Things a unit meets on day one, in a real browser: the keyboard on a COWS form, and the crisis
box on a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from detoxdesk.monitoring.models import Assessment
from factories import PASSWORD, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Census board")).to_be_visible()


def test_the_keyboard_starts_at_the_first_cows_item_and_enter_does_not_send_it(page, screenshot):
    unit = Unit()
    _sign_in(page, "nurse")
    url = reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])
    page.goto(url)
    first = page.locator("fieldset.item").first.locator("input[type=radio]").first
    expect(first).to_be_focused()  # no Tab needed to reach item 1
    page.keyboard.press("ArrowDown")  # a radio group: the arrow chooses the next answer
    expect(page.locator("#running-count")).to_contain_text("1 of 11 items answered")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.url.endswith(url)
    expect(page.locator(".error-summary")).to_have_count(0)
    assert not Assessment.objects.exists()
    screenshot("cows-keyboard-start")


def test_the_server_still_refuses_a_half_filled_cows_sent_another_way(page, screenshot):
    unit = Unit()
    _sign_in(page, "nurse")
    page.goto(reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"]))
    page.locator("fieldset.item").first.locator("input[type=radio]").first.check()
    page.evaluate("document.querySelector('form.flowsheet').submit()")
    expect(page.locator(".error-summary")).to_contain_text("10 of 11 items are not answered")
    first_left = page.locator("fieldset.item.has-error").first.locator("input[type=radio]").first
    expect(first_left).to_be_focused()
    assert not Assessment.objects.exists()
    screenshot("cows-half-filled-refused")


@pytest.mark.parametrize("width", [360, 1280])
def test_yes_overdosing_now_brings_the_crisis_box_into_view_with_focus(browser, live_server, width):
    Unit()
    viewport = {"width": width, "height": 640}
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.goto(reverse("public:get_help"))
    box = page.locator("#right-now")
    expect(box).to_be_hidden()
    page.get_by_role("group", name="Is someone overdosing").get_by_label("Yes").check()
    expect(box).to_be_focused()
    expect(box).to_be_in_viewport()
    expect(box).to_contain_text("911")
    page.screenshot(path=f"test-artifacts/crisis-box-{width}.png")
    context.close()


def test_an_eleven_day_taper_calendar_prints_on_one_page(page, screenshot):
    from factories_tapers import make_signed_plan

    unit = Unit()
    plan = make_signed_plan(unit, days=11, allow_outside_range=True)
    assert len(plan.steps) >= 11
    _sign_in(page, "nurse")
    page.goto(reverse("disclosures:release", args=[unit.patient.uuid]))
    page.get_by_label("What to print").select_option("taper_calendar")
    page.get_by_label("The patient themself").check()
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("article.patient-calendar")).to_be_visible()
    screenshot("taper-calendar-print-view")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 940})
    screenshot("taper-calendar-printed")
    for size in ("Letter", "A4"):
        pdf = page.pdf(format=size, print_background=True)
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages == 1, (size, pages)
