"""Starting, preparing and signing a discharge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.aftercare import actions
from detoxdesk.aftercare.models import Discharge, FollowUp
from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.models import Episode
from factories import Unit
from factories_aftercare import make_resource, resolve_bundle, signed_discharge, start_discharge

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def discharge(unit: Unit) -> Discharge:
    return start_discharge(unit, now=NOW)


def events(name: str) -> int:
    return AuditEvent.objects.filter(event=name).count()


def test_it_starts_a_discharge_with_every_item_open(unit: Unit, discharge: Discharge) -> None:
    assert sorted(discharge.items.values_list("status", flat=True)) == ["open"] * 6
    assert events("discharge.started") == 1


def test_it_refuses_a_second_discharge_of_the_same_episode(
    unit: Unit, discharge: Discharge
) -> None:
    with pytest.raises(ValidationError, match="already been started"):
        start_discharge(unit)


@pytest.mark.parametrize("persona", ["director", "coordinator", "outsider"])
def test_it_refuses_to_start_for_a_role_without_the_capability(unit: Unit, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_start_discharge(unit.episode, acting_user=getattr(unit, persona), kind="ama")


def test_a_counselor_prepares_but_cannot_sign(unit: Unit, discharge: Discharge) -> None:
    actions.do_record_item(
        discharge, "crisis_numbers", acting_user=unit.counselor, status="done", now=NOW
    )
    resolve_bundle(unit, discharge, now=NOW)
    with pytest.raises(PermissionDenied):
        actions.do_sign_discharge(discharge, acting_user=unit.counselor, now=NOW)


@pytest.mark.parametrize(
    ("code", "status", "reason", "field"),
    [
        ("naloxone", "not_applicable", "Left", "status"),
        ("naloxone", "declined", "", "reason"),
        ("moud", "open", "", "status"),
        ("moud", "done", "", "moud_option"),
        ("referrals", "done", "", "status"),
    ],
)
def test_it_refuses_an_item_resolved_without_what_it_needs(
    unit: Unit, discharge: Discharge, code: str, status: str, reason: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.do_record_item(
            discharge, code, acting_user=unit.nurse, status=status, reason=reason, now=NOW
        )
    assert field in caught.value.message_dict
    assert discharge.items.get(code=code).status == "open"


def test_it_computes_the_naltrexone_start_from_the_last_use(
    unit: Unit, discharge: Discharge
) -> None:
    last_use = NOW - timedelta(days=2)
    item = actions.do_record_item(
        discharge,
        "moud",
        acting_user=unit.prescriber,
        status="done",
        details={
            "moud_option": "naltrexone",
            "last_opioid_use": last_use,
            "opioid_class": "methadone",
        },
        now=NOW,
    )
    assert item.details["earliest_start"] == (last_use + timedelta(days=10)).isoformat()
    assert item.details["source"] == "vivitrol-label"


def test_it_refuses_a_naltrexone_start_without_the_opioid(unit: Unit, discharge: Discharge) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.do_record_item(
            discharge,
            "moud",
            acting_user=unit.prescriber,
            status="done",
            details={"moud_option": "naltrexone", "last_opioid_use": NOW, "opioid_class": ""},
            now=NOW,
        )
    assert "opioid_class" in caught.value.message_dict


def test_it_keeps_the_last_methadone_dose_for_the_program(unit: Unit, discharge: Discharge) -> None:
    item = actions.do_record_item(
        discharge,
        "moud",
        acting_user=unit.nurse,
        status="done",
        details={
            "moud_option": "methadone",
            "methadone_program": "Harbor OTP",
            "last_dose_mg": Decimal("30"),
            "last_dose_at": NOW - timedelta(hours=3),
        },
        now=NOW,
    )
    assert item.details["last_dose_mg"] == "30"


def test_a_late_hand_off_needs_an_acknowledgement(unit: Unit, discharge: Discharge) -> None:
    details = {"provider_name": "Dr. Lee", "appointment_at": NOW + timedelta(days=5)}
    with pytest.raises(ValidationError) as caught:
        actions.do_record_item(
            discharge,
            "warm_handoff",
            acting_user=unit.nurse,
            status="done",
            details=details,
            now=NOW,
        )
    assert "acknowledge_late" in caught.value.message_dict
    actions.do_record_item(
        discharge,
        "warm_handoff",
        acting_user=unit.nurse,
        status="done",
        details={**details, "acknowledge_late": True},
        now=NOW,
    )
    appointment = discharge.appointments.get()
    assert (appointment.provider_name, appointment.is_warm_handoff) == ("Dr. Lee", True)
    discharge.refresh_from_db()
    assert discharge.handoff_delay_acknowledged


def test_a_referral_copies_the_directory_contact(unit: Unit, discharge: Discharge) -> None:
    resource = make_resource()
    referral = actions.do_add_referral(discharge, acting_user=unit.counselor, resource=resource)
    assert (referral.name, referral.phone) == ("Harbor Recovery Clinic", "555-0100")
    assert referral.address == "12 Pier Road, Portville"


OPEN_ONE = ["moud", "naloxone", "overdose_education", "warm_handoff", "referrals", "crisis_numbers"]


@pytest.mark.parametrize("left_open", OPEN_ONE)
def test_it_refuses_to_sign_while_any_item_is_unresolved(
    unit: Unit, discharge: Discharge, left_open: str
) -> None:
    resolve_bundle(unit, discharge, now=NOW)
    discharge.items.filter(code=left_open).update(status="open")
    with pytest.raises(ValidationError) as caught:
        actions.do_sign_discharge(discharge, acting_user=unit.nurse, now=NOW)
    assert list(caught.value.message_dict) == [left_open]
    unit.episode.refresh_from_db()
    assert unit.episode.status == Episode.Status.ACTIVE
    assert not FollowUp.objects.exists()


def test_signing_ends_the_episode_and_schedules_the_follow_ups(unit: Unit) -> None:
    discharge = signed_discharge(unit, now=NOW)
    unit.episode.refresh_from_db()
    assert (unit.episode.status, unit.episode.discharged_at) == ("discharged", NOW)
    assert discharge.is_signed and discharge.signed_by == unit.nurse
    # 15:00 UTC on 10 March is the same day in the program's time zone (America/New_York).
    assert list(FollowUp.objects.values_list("day_offset", "due_on")) == [
        (3, date(2026, 3, 13)),
        (7, date(2026, 3, 17)),
        (30, date(2026, 4, 9)),
        (90, date(2026, 6, 8)),
    ]
    assert (events("discharge.signed"), events("episode.discharged")) == (1, 1)


def test_signing_keeps_what_the_quality_report_counts_on_the_discharge(unit: Unit) -> None:
    discharge = signed_discharge(unit, now=NOW)
    discharge.refresh_from_db()
    assert (discharge.moud_status, discharge.moud_option) == ("done", "buprenorphine")
    assert (discharge.naloxone_status, discharge.naloxone_how) == ("done", "dispensed")
    assert discharge.warm_handoff_at == NOW + timedelta(days=1)


def test_an_unsigned_discharge_keeps_nothing_for_the_report(
    unit: Unit, discharge: Discharge
) -> None:
    resolve_bundle(unit, discharge, now=NOW)
    discharge.refresh_from_db()
    assert (discharge.moud_status, discharge.naloxone_status, discharge.warm_handoff_at) == (
        "",
        "",
        None,
    )


def test_an_item_sent_from_a_page_read_before_signing_is_refused(unit: Unit) -> None:
    """The bundle kept on the discharge at signing never goes stale: the lock is checked inside."""
    stale = resolve_bundle(unit, start_discharge(unit, now=NOW), now=NOW)
    actions.do_sign_discharge(Discharge.objects.get(pk=stale.pk), acting_user=unit.nurse, now=NOW)
    assert not stale.is_signed  # the copy the late page holds
    with pytest.raises(ValidationError, match="signed"):
        actions.do_record_item(stale, "moud", acting_user=unit.nurse, status="declined", reason="x")
    assert Discharge.objects.get(pk=stale.pk).moud_status == "done"


def test_a_signed_discharge_cannot_change(unit: Unit) -> None:
    discharge = signed_discharge(unit, now=NOW)
    with pytest.raises(ValidationError, match="signed"):
        actions.do_record_item(
            discharge, "moud", acting_user=unit.nurse, status="declined", reason="x"
        )


def test_the_program_schedule_replaces_the_default(unit: Unit) -> None:
    actions.do_change_aftercare_settings(
        unit.program, acting_user=unit.director, follow_up_days=[1, 14], overdue_grace_days=2
    )
    signed_discharge(unit, now=NOW)
    assert list(FollowUp.objects.values_list("day_offset", flat=True)) == [1, 14]


def test_leaving_against_advice_still_records_the_naloxone_offer(unit: Unit) -> None:
    discharge = start_discharge(unit, kind="ama", now=NOW)
    actions.do_record_ama_bundle(
        discharge,
        acting_user=unit.nurse,
        naloxone="declined",
        overdose_warning_given=True,
        crisis_numbers_given=True,
        not_given_reason="Would not wait",
        now=NOW,
    )
    items = dict(discharge.items.values_list("code", "status"))
    assert items == {
        "moud": "not_applicable",
        "naloxone": "declined",
        "overdose_education": "done",
        "warm_handoff": "not_applicable",
        "referrals": "not_applicable",
        "crisis_numbers": "done",
    }
    actions.do_sign_discharge(discharge, acting_user=unit.nurse, now=NOW)
    assert discharge.items.get(code="naloxone").reason == "Would not wait"


def test_the_ama_form_needs_a_reason_for_what_was_not_given(unit: Unit) -> None:
    discharge = start_discharge(unit, kind="ama", now=NOW)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_ama_bundle(
            discharge,
            acting_user=unit.nurse,
            naloxone="dispensed",
            overdose_warning_given=False,
            crisis_numbers_given=True,
            now=NOW,
        )
    assert "not_given_reason" in caught.value.message_dict
    assert not discharge.items.exclude(status="open").exists()


def test_signing_checks_the_hand_off_against_the_time_of_signing(
    unit: Unit, discharge: Discharge
) -> None:
    resolve_bundle(unit, discharge, now=NOW)  # the hand-off is a day after NOW, so 4 days after
    with pytest.raises(ValidationError) as caught:
        actions.do_sign_discharge(discharge, acting_user=unit.nurse, now=NOW - timedelta(days=3))
    assert "more than 72 hours" in caught.value.message_dict["warm_handoff"][0]
