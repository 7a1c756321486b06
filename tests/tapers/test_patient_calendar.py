"""The sign page and the patient's calendar say only what is true and meant for their reader."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.disclosures import content
from detoxdesk.tapers.models import TaperPlan
from factories_tapers import make_methadone_plan, make_signed_plan

pytestmark = pytest.mark.django_db
STAFF_TEXT = ("Give overdose education", "give overdose education")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 09:00 -05:00", tick=False):
        yield


def _sign_page(client, plan) -> str:
    return client.get(reverse("tapers:sign", args=[plan.uuid])).content.decode()


def test_a_plan_without_findings_asks_only_about_its_orders_warnings(unit, as_user):
    plan = make_methadone_plan(unit)
    assert plan.findings == []
    client = as_user(unit.prescriber)
    html = _sign_page(client, plan)
    assert "warnings above" not in html and "<h2>Warnings</h2>" not in html
    assert "I acknowledge the safety warnings of the medication order this plan signs" in html
    data = {"times_of_day": "08:00", "acknowledged": "on"}
    response = client.post(reverse("tapers:sign", args=[plan.uuid]), data)
    assert response.status_code == 302, response.context["form"].errors
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.ACTIVE


def test_a_plan_with_findings_asks_to_acknowledge_the_warnings_shown(unit, as_user):
    plan = make_methadone_plan(unit, days=11, allow_outside_range=True)
    assert plan.findings
    html = _sign_page(as_user(unit.prescriber), plan)
    assert "<h2>Warnings</h2>" in html and "I have read the warnings above" in html


def test_a_plan_without_findings_or_an_order_asks_for_no_acknowledgement(unit):
    from detoxdesk.tapers.forms import SignForm

    assert "acknowledged" not in SignForm(findings=False, signs_order=False).fields


@pytest.mark.parametrize("where", ["preview", "portal-print"])
def test_the_patients_calendar_has_patient_words_no_badges_and_says_there_is_no_phone(
    unit, as_user, where
):
    plan = make_signed_plan(unit, times_of_day=[time(8)])
    if where == "preview":
        url = reverse("tapers:calendar", args=[plan.uuid])
        html = as_user(unit.prescriber).get(url).content.decode()
    else:
        from django.template.loader import render_to_string

        found = content.context("taper_calendar", unit.patient, unit.episode)
        html = render_to_string("disclosures/content/taper_calendar.html", found)
    for text in STAFF_TEXT:
        assert text not in html
    assert 'class="tag"' not in html
    assert "Keep naloxone with you" in html
    assert "phone number is not recorded on this calendar" in html
    assert "call the clinic." in html
    for number in ("988", "911"):
        assert f'href="tel:{number}"' in html
