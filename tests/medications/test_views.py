"""The medication pages: access for every persona, signing, recording and the MAR."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications.models import Administration, OrderLine
from factories_medications import make_facts, record_cows, sign_bup_standard


@pytest.fixture
def order(unit):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=timezone.now() - timedelta(days=1))
    return sign_bup_standard(unit.episode, unit.prescriber)


def pages(unit, order):
    """(url, who may open it, a persona that sees the chart but lacks the capability)."""
    e, line = unit.episode.uuid, order.line.uuid
    return [
        (reverse("medications:mar", args=[e]), "nurse", None),
        (reverse("medications:order_sets", args=[e]), "prescriber", "nurse"),
        (reverse("medications:new_order", args=[e, "bup_standard"]), "prescriber", "counselor"),
        (reverse("medications:facts", args=[e]), "nurse", "counselor"),
        (reverse("medications:order", args=[line]), "counselor", None),
        (reverse("medications:modify_order", args=[line]), "prescriber", "nurse"),
        (reverse("medications:order_status", args=[line, "hold"]), "prescriber", "nurse"),
        (reverse("medications:record_dose", args=[line]), "nurse", "counselor"),
    ]


def test_it_sends_anonymous_visitors_to_sign_in(client, unit, order):
    for url, _, _ in pages(unit, order):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"], url


def test_it_hides_every_page_from_an_outsider(unit, order, as_user):
    client = as_user(unit.outsider)
    for url, _, _ in pages(unit, order):
        assert client.get(url).status_code == 404, url


def test_it_refuses_a_persona_without_the_capability(unit, order, as_user):
    for url, allowed, lacking in pages(unit, order):
        assert as_user(getattr(unit, allowed)).get(url).status_code == 200, url
        if lacking:
            assert as_user(getattr(unit, lacking)).get(url).status_code == 403, url


def test_it_records_an_audit_event_when_the_mar_is_viewed(unit, order, as_user):
    as_user(unit.nurse).get(reverse("medications:mar", args=[unit.episode.uuid]))
    assert AuditEvent.objects.filter(event="mar.viewed", actor=unit.nurse).count() == 1


def sign_data(**more):
    return {
        "drug": "buprenorphine",
        "dose_mg": "4",
        "route": "sublingual",
        "prn_indication": "opioid withdrawal",
        "trigger_scale": "cows",
        "trigger_min_total": "8",
        "min_interval_min": "60",
        "acknowledge_warnings": "on",
        "sign": "1",
        **more,
    }


def test_a_counselor_cannot_sign_an_order(unit, as_user):
    url = reverse("medications:new_order", args=[unit.episode.uuid, "bup_standard"])
    assert as_user(unit.counselor).post(url, sign_data()).status_code == 403
    assert not OrderLine.objects.exists()


def test_a_prescriber_signs_an_order_from_an_order_set(unit, as_user):
    url = reverse("medications:new_order", args=[unit.episode.uuid, "bup_standard"])
    response = as_user(unit.prescriber).post(url, sign_data())
    assert response.status_code == 302
    line = OrderLine.objects.get()
    assert (line.protocol, line.versions.get().dose_mg) == ("bup_standard", Decimal(4))


def test_it_shows_the_stop_and_asks_for_an_override_reason(unit, as_user):
    url = reverse("medications:new_order", args=[unit.episode.uuid, "lofexidine"])
    data = {"drug": "lofexidine", "dose_mg": "0.73", "route": "oral", "times_of_day": "08:00"}
    response = as_user(unit.prescriber).post(url, {**data, "sign": "1"})
    assert response.status_code == 200
    assert "override reason" in response.context["form"].errors["override_reason"][0]
    assert "above the maximum of 0.72 mg" in response.content.decode()
    assert not OrderLine.objects.exists()


def post_dose(client, order, **more):
    url = reverse("medications:record_dose", args=[order.line.uuid])
    page = client.get(url)
    data = {
        "outcome": "given",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "checked": page.context["check"].fingerprint,
        **more,
    }
    return client.post(url, data)


def test_a_nurse_cannot_override_a_stop_unless_the_program_allows(unit, order, as_user):
    record_cows(unit.episode, unit.nurse, 6)
    client = as_user(unit.nurse)
    page = client.get(reverse("medications:record_dose", args=[order.line.uuid]))
    assert "COWS 6 is below the gate of 8" in page.content.decode()
    assert "your role cannot override a stop" in page.content.decode()
    response = post_dose(client, order, override_reason="I think it is fine")
    assert response.status_code == 200
    assert "cannot override" in str(response.context["form"].non_field_errors())
    assert not Administration.objects.exists()


def test_a_nurse_gives_a_dose_and_sees_the_days_total(unit, order, as_user):
    record_cows(unit.episode, unit.nurse, 14)
    client = as_user(unit.nurse)
    response = post_dose(client, order)
    assert response.status_code == 302
    mar = client.get(response["Location"])
    assert 'Buprenorphine</strong>: <span class="total" data-drug="buprenorphine">4 mg' in (
        mar.content.decode()
    )
    again = post_dose(client, order)
    assert "wait at least 60 minutes" in again.content.decode()
    assert Administration.objects.count() == 1


def test_it_asks_again_when_the_check_changed_since_it_was_shown(unit, order, as_user):
    record_cows(unit.episode, unit.nurse, 14)
    client = as_user(unit.nurse)
    url = reverse("medications:record_dose", args=[order.line.uuid])
    data = {
        "outcome": "given",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "checked": "stale",
    }
    response = client.post(url, data)
    assert "safety check has changed" in response.content.decode()
    assert not Administration.objects.exists()


def test_it_shows_the_medications_panel_on_the_chart(unit, order, as_user):
    response = as_user(unit.prescriber).get(reverse("patients:chart", args=[unit.patient.uuid]))
    body = response.content.decode()
    assert "Buprenorphine 4 mg sublingual, as needed for opioid withdrawal" in body
    assert reverse("medications:order_sets", args=[unit.episode.uuid]) in body


def test_a_director_edits_the_medication_settings(unit, as_user):
    url = reverse("medications:settings")
    assert as_user(unit.nurse).get(url).status_code == 403
    client = as_user(unit.director)
    response = client.post(url, {"nurses_may_override_stops": "on", "shift_starts": "06:00, 18:00"})
    assert response.status_code == 302
    row = unit.program.medication_settings
    assert (row.nurses_may_override_stops, row.shift_starts) == (True, ["06:00", "18:00"])
    assert AuditEvent.objects.filter(event="medication_settings.updated").exists()


def test_it_discontinues_an_order_after_confirmation_with_a_reason(unit, order, as_user):
    client = as_user(unit.prescriber)
    url = reverse("medications:order_status", args=[order.line.uuid, "discontinue"])
    page = client.get(url)
    assert "cannot be resumed" in page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert "This field is required" in str(refused.context["form"].errors["reason"])
    assert client.post(url, {"reason": "completed"}).status_code == 302
    order.line.refresh_from_db()
    assert order.line.status == OrderLine.Status.DISCONTINUED
    detail = client.get(reverse("medications:order", args=[order.line.uuid]))
    assert "Discontinued" in detail.content.decode()


def test_a_counselor_cannot_review_an_alert(unit, order, as_user):
    url = reverse("medications:review_alert", args=[unit.episode.uuid])
    assert as_user(unit.counselor).post(url, {}).status_code == 403
