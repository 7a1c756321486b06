"""The dose form at the bedside: nothing pre-chosen while a finding is shown, unset holds and the
vitals' age said, and the prescriber's override on the order reaching the nurse."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions
from detoxdesk.medications.describe import order_summary
from detoxdesk.medications.models import Administration, Order
from detoxdesk.patients.actions import do_record_allergy
from factories_medications import record_vitals, sign_prn, sign_scheduled

NY = ZoneInfo("America/New_York")
SIGNED = datetime(2026, 3, 2, 8, 5, tzinfo=NY)
DUE = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
pytestmark = [pytest.mark.django_db, pytest.mark.now(SIGNED, tick=False)]
REASON = "Transferred from an OTP on 60 mg daily, last dose yesterday."


def sign_methadone_60(unit) -> Order:
    """60 mg on day 1: the first-day stop above 50 mg, overridden with a reason at signing."""
    return sign_scheduled(
        unit.episode,
        unit.prescriber,
        "methadone",
        "60",
        time(9),
        acknowledge_warnings=True,
        override_reason=REASON,
    )


def dose_url(order: Order) -> str:
    return reverse("medications:record_dose", args=[order.line.uuid]) + f"?at={DUE.isoformat()}"


def give(order: Order, user, **confirmation) -> Administration:
    return actions.do_record_administration(
        order,
        acting_user=user,
        outcome="given",
        occurred_at=DUE,
        scheduled_for=DUE,
        confirmation=actions.DoseConfirmation(acknowledge_warnings=True, **confirmation),
    )


def test_it_preselects_no_outcome_while_a_stop_is_shown(unit, as_user, clock):
    order = sign_methadone_60(unit)
    clock.move_to(DUE)
    page = as_user(unit.nurse).get(dose_url(order))
    body = page.content.decode()
    assert page.context["check"].stops
    assert 'name="outcome"' in body and "checked" not in body.split('name="outcome"')[1][:200]
    assert not [w for w in page.context["form"]["outcome"] if w.data["selected"]]


def test_it_preselects_given_when_the_check_finds_nothing(unit, as_user, clock):
    order = sign_prn(unit.episode, unit.prescriber, "acetaminophen", "500", "aches")
    page = as_user(unit.nurse).get(reverse("medications:record_dose", args=[order.line.uuid]))
    assert not page.context["check"].findings
    assert [w.data["value"] for w in page.context["form"]["outcome"] if w.data["selected"]] == [
        "given"
    ]


def test_it_says_hold_not_configured_and_how_old_the_vitals_are(unit, as_user):
    order = sign_prn(unit.episode, unit.prescriber, "lofexidine", "0.18", "withdrawal")
    record_vitals(
        unit.episode,
        unit.nurse,
        at=datetime(2026, 3, 2, 6, 5, tzinfo=NY),
        systolic=84,
        diastolic=50,
        heart_rate=45,
    )
    page = as_user(unit.nurse).get(reverse("medications:record_dose", args=[order.line.uuid]))
    body = page.content.decode()
    holds = [u.name for u in page.context["check"].holds_not_configured]
    assert holds and all(name.rsplit(".", 1)[-1].startswith("hold_") for name in holds)
    assert "Hold not configured" in body
    assert "2\xa0hours before this dose" in body


def test_a_nurse_gives_a_dose_under_the_prescribers_override(unit, clock):
    order = sign_methadone_60(unit)
    assert [f["code"] for f in order.sign_findings if f["severity"] == "stop"]
    clock.move_to(DUE)
    row = give(order, unit.nurse, rely_on_order_override=True)
    assert row.covered_by_order_override and row.overridden_by == unit.prescriber
    assert row.override_reason == REASON
    event = AuditEvent.objects.get(event="safety.order_override_relied")
    assert event.actor == unit.nurse and event.changes["reason"] == REASON
    assert not AuditEvent.objects.filter(event="safety.stop_overridden", actor=unit.nurse)


def test_it_asks_the_nurse_to_say_she_relies_on_the_override(unit, clock):
    order = sign_methadone_60(unit)
    clock.move_to(DUE)
    with pytest.raises(ValidationError) as exc:
        give(order, unit.nurse)
    assert "rely_on_order_override" in exc.value.message_dict
    assert not Administration.objects.exists()


def test_the_override_does_not_cover_a_stop_found_after_signing(unit, clock):
    order = sign_methadone_60(unit)
    do_record_allergy(unit.patient, acting_user=unit.nurse, values={"substance": "methadone"})
    clock.move_to(DUE)
    with pytest.raises(PermissionDenied):
        give(order, unit.nurse, rely_on_order_override=True)
    assert not Administration.objects.exists()


def test_the_dose_form_shows_who_overrode_when_and_why_and_records_the_dose(unit, as_user, clock):
    order = sign_methadone_60(unit)
    clock.move_to(DUE)
    client = as_user(unit.nurse)
    page = client.get(dose_url(order))
    body = page.content.decode()
    assert "Stop overridden when the order was signed" in body
    assert (
        unit.prescriber.display_name in body and REASON in body and "Mon 2 Mar 2026 08:05" in body
    )
    data = {
        "outcome": "given",
        "occurred_at": "2026-03-02T09:00",
        "scheduled_for": DUE.isoformat(),
        "checked": page.context["check"].fingerprint,
        "acknowledge_warnings": "on",
        "rely_on_order_override": "on",
    }
    response = client.post(dose_url(order), data)
    assert response.status_code == 302
    assert Administration.objects.get().covered_by_order_override


@pytest.mark.parametrize(
    ("dose", "times", "maximum", "text"),
    [
        ("0.72", 4, "2.88", "(4 doses, 2.88 mg a day), max 2.88 mg in 24 hours"),
        (
            "0.73",
            4,
            "2.88",
            "(4 doses, 2.92 mg a day), max 2.88 mg in 24 hours, less than the 2.92 mg scheduled",
        ),
        ("4", 1, None, "Buprenorphine 4 mg sublingual, at 08:00"),
    ],
)
def test_the_order_text_states_the_real_daily_figures(dose, times, maximum, text):
    order = Order(
        drug="lofexidine" if times == 4 else "buprenorphine",
        dose_mg=Decimal(dose),
        route="oral" if times == 4 else "sublingual",
        times_of_day=["08:00", "13:00", "18:00", "23:00"][:times],
        max_daily_mg=None if maximum is None else Decimal(maximum),
    )
    assert text in order_summary(order)


def test_it_refuses_a_dose_time_far_in_the_future_instead_of_recording_now(unit, as_user):
    order = sign_prn(unit.episode, unit.prescriber, "acetaminophen", "500", "aches")
    url = reverse("medications:record_dose", args=[order.line.uuid])
    page = as_user(unit.nurse).get(url)
    data = {
        "outcome": "given",
        "occurred_at": "9999-12-31T23:59",
        "checked": page.context["check"].fingerprint,
        "acknowledge_warnings": "on",
    }
    response = as_user(unit.nurse).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"] == ["This time is in the future."]
    assert not Administration.objects.exists()
