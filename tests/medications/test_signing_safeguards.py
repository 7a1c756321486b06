"""Signing safeguards: the PDMP check before a controlled-substance order, the naloxone offer
for MOUD and opioids, and refusals shown as errors."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions
from detoxdesk.medications.models import OrderLine, PdmpCheck
from factories_medications import make_settings, record_pdmp, sign_scheduled

pytestmark = pytest.mark.django_db


def sign_methadone(unit, **more):
    return sign_scheduled(unit.episode, unit.prescriber, "methadone", "10", time(9), **more)


def test_it_refuses_a_controlled_order_without_a_pdmp_check(unit):
    make_settings(unit.program, controlled_drugs=["methadone"])
    with pytest.raises(ValidationError) as exc:
        sign_methadone(unit)
    assert "PDMP check is required" in exc.value.message_dict["pdmp"][0]
    assert not OrderLine.objects.exists()


def test_it_signs_a_controlled_order_on_the_episodes_pdmp_check(unit):
    make_settings(unit.program, controlled_drugs=["methadone"])
    check = record_pdmp(unit.episode, unit.prescriber)
    order = sign_methadone(unit)
    assert order.pdmp_check == check
    assert AuditEvent.objects.get(event="order.signed").changes["pdmp_check"] == str(check.uuid)
    assert AuditEvent.objects.filter(event="pdmp.checked", actor=unit.prescriber).count() == 1


def test_a_program_may_turn_the_pdmp_requirement_off(unit):
    make_settings(unit.program, controlled_drugs=["methadone"], pdmp_check_required=False)
    assert sign_methadone(unit).pdmp_check is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (
            {"outcome": "queried", "states": [], "result_summary": "x", "action_taken": "y"},
            "states",
        ),
        ({"outcome": "queried", "states": ["OR"], "action_taken": "y"}, "result_summary"),
        ({"outcome": "queried", "states": ["OR"], "result_summary": "x"}, "action_taken"),
        ({"outcome": "could_not_query"}, "reason"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_it_records_every_field_of_a_pdmp_check_or_names_the_missing_one(unit, values, field):
    with pytest.raises(ValidationError) as exc:
        actions.do_record_pdmp_check(
            unit.episode, acting_user=unit.prescriber, checked_at=timezone.now(), **values
        )
    assert field in exc.value.message_dict
    assert not PdmpCheck.objects.exists()


def test_it_records_that_the_pdmp_could_not_be_queried_and_why(unit):
    row = actions.do_record_pdmp_check(
        unit.episode,
        acting_user=unit.prescriber,
        outcome="could_not_query",
        checked_at=timezone.now(),
        reason="State PDMP portal down",
    )
    assert (row.outcome, row.reason, row.recorded_by) == (
        "could_not_query",
        "State PDMP portal down",
        unit.prescriber,
    )


def test_the_pdmp_page_records_a_check_and_refuses_a_nurse(unit, as_user):
    url = reverse("medications:pdmp", args=[unit.episode.uuid])
    assert as_user(unit.outsider).get(url).status_code == 404
    assert as_user(unit.nurse).get(url).status_code == 403
    client = as_user(unit.prescriber)
    refused = client.post(url, {"outcome": "queried", "checked_at": "2026-03-02T09:00"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert "states" in refused.context["form"].errors
    data = {
        "outcome": "queried",
        "checked_at": "2026-03-02T09:00",
        "states": "OR, wa",
        "result_summary": "One buprenorphine prescription, 2025.",
        "action_taken": "Discussed with the patient.",
    }
    assert client.post(url, data).status_code == 302
    assert PdmpCheck.objects.get().states == ["OR", "WA"]


def test_the_order_form_names_the_missing_pdmp_check(unit, as_user):
    make_settings(unit.program, controlled_drugs=["methadone"])
    url = reverse("medications:new_order", args=[unit.episode.uuid, "methadone"])
    data = {
        "drug": "methadone",
        "dose_mg": "10",
        "route": "oral",
        "times_of_day": "09:00",
        "controlled": "on",
        "acknowledge_warnings": "on",
        "sign": "1",
    }
    response = as_user(unit.prescriber).post(url, data)
    body = response.content.decode()
    assert response.status_code == 200 and "PDMP check is required" in body
    assert 'role="alert"' in body and not OrderLine.objects.exists()


@pytest.mark.parametrize(("drug", "prompted"), [("methadone", True), ("ondansetron", False)])
def test_it_prompts_naloxone_when_signing_moud_or_an_opioid(unit, drug, prompted):
    with pytest.raises(ValidationError) if prompted else _nothing():
        sign_scheduled(
            unit.episode, unit.prescriber, drug, "4", time(9), acknowledge_warnings=False
        )
    if prompted:
        order = sign_scheduled(unit.episode, unit.prescriber, drug, "4", time(9))
        assert "naloxone_offer" in [f["code"] for f in order.sign_findings]
        event = AuditEvent.objects.get(event="naloxone.prompt_acknowledged")
        assert event.actor == unit.prescriber and event.changes == {"drug": drug}


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_order_form_shows_the_naloxone_offer(unit, as_user):
    url = reverse("medications:new_order", args=[unit.episode.uuid, "methadone"])
    data = {"drug": "methadone", "dose_mg": "10", "route": "oral", "times_of_day": "09:00"}
    response = as_user(unit.prescriber).post(url, {**data, "check": "1"})
    assert "Offer naloxone" in response.content.decode()


def test_a_director_sets_the_pdmp_requirement(unit, as_user):
    client = as_user(unit.director)
    response = client.post(
        reverse("medications:settings"), {"pdmp_check_required": "false", "shift_starts": ""}
    )
    assert response.status_code == 302
    assert actions.pdmp_required(unit.program.medication_settings) is False


def test_a_refusal_on_the_home_medication_page_is_an_error(unit, as_user):
    row = actions.do_record_home_medication(
        unit.episode, acting_user=unit.prescriber, drug="gabapentin", dose_mg=Decimal(300)
    )
    client = as_user(unit.prescriber)
    url = reverse("medications:stop_home_medication", args=[unit.episode.uuid, row.uuid])
    client.post(url)
    page = client.post(url, follow=True)
    assert 'class="message error"' in page.content.decode()
    assert "already marked stopped" in page.content.decode()
