"""The follow-up worklist and recording an outcome, with due and overdue derived at read time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from detoxdesk.aftercare import actions
from detoxdesk.aftercare.models import FollowUp
from detoxdesk.intake.models import Inquiry
from factories import Unit, make_episode
from factories_aftercare import signed_discharge

DISCHARGED = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # follow-ups due 13 Mar, 17 Mar, ...
WORKLIST = reverse("aftercare:follow_ups")

# Fixtures admit the patient on the test clock: let that clock start on the day of discharge.
pytestmark = pytest.mark.now(DISCHARGED)


def follow_up(day: int) -> FollowUp:
    return FollowUp.objects.get(day_offset=day)


@pytest.fixture
def discharged(unit: Unit) -> Unit:
    signed_discharge(unit, now=DISCHARGED)
    return unit


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, discharged: Unit) -> None:
    for url in (WORKLIST, reverse("aftercare:record_follow_up", args=[follow_up(3).uuid])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_it_refuses_roles_that_do_not_follow_up(as_user, discharged: Unit) -> None:
    client = as_user(discharged.director)
    assert client.get(WORKLIST).status_code == 403
    url = reverse("aftercare:record_follow_up", args=[follow_up(3).uuid])
    assert client.get(url).status_code == 403


def test_it_hides_other_facilities_follow_ups(as_user, discharged: Unit) -> None:
    url = reverse("aftercare:record_follow_up", args=[follow_up(3).uuid])
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC)):
        client = as_user(discharged.outsider)
        assert discharged.patient.family_name not in client.get(WORKLIST).content.decode()
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("today", "listed", "state"),
    [
        (datetime(2026, 3, 12, 23, 0, tzinfo=UTC), False, ""),  # 19:00 on 12 Mar in New York
        (datetime(2026, 3, 13, 14, 0, tzinfo=UTC), True, "Due"),
        (datetime(2026, 3, 15, 14, 0, tzinfo=UTC), True, "Overdue by 2 days"),
    ],
)
def test_it_lists_a_follow_up_once_due_and_marks_it_overdue(
    as_user, discharged: Unit, today: datetime, listed: bool, state: str
) -> None:
    with time_machine.travel(today, tick=False):
        client = as_user(discharged.counselor)
        page = client.get(WORKLIST).content.decode()
    assert ("Day 3" in page) is listed
    assert state in page


def test_it_orders_the_worklist_by_how_overdue(
    as_user, unit: Unit, django_assert_max_num_queries
) -> None:
    signed_discharge(unit, now=DISCHARGED)
    for n in range(4):
        unit.episode = make_episode(unit.ward)
        unit.patient = unit.episode.patient
        signed_discharge(unit, now=DISCHARGED.replace(day=1 + n))
    with time_machine.travel(datetime(2026, 4, 20, 14, tzinfo=UTC), tick=False):
        client = as_user(unit.counselor)
        # +2: the audit event locks and moves the chain head (detoxdesk.audit.log.record).
        with django_assert_max_num_queries(16):  # +1: the contacts' phone numbers
            response = client.get(WORKLIST)
    rows = response.context["rows"]
    assert len(rows) == 15  # days 3, 7 and 30 of each of the five discharges
    overdue = [row.state.days_overdue for row in rows]
    assert overdue == sorted(overdue, reverse=True)


def test_it_pages_a_long_worklist(as_user, unit: Unit) -> None:
    for _ in range(9):
        unit.episode = make_episode(unit.ward)
        unit.patient = unit.episode.patient
        signed_discharge(unit, now=DISCHARGED)
    with time_machine.travel(datetime(2026, 5, 1, 14, tzinfo=UTC), tick=False):
        client = as_user(unit.nurse)
        first = client.get(WORKLIST)
        second = client.get(WORKLIST, {"page": 2})
    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 2


def test_needs_help_now_puts_an_inquiry_in_the_intake_queue(as_user, discharged: Unit) -> None:
    url = reverse("aftercare:record_follow_up", args=[follow_up(3).uuid])
    with time_machine.travel(datetime(2026, 3, 13, 14, tzinfo=UTC)):
        client = as_user(discharged.counselor)
        response = client.post(
            url,
            {"reached": "yes", "opioid_use": "yes", "needs_help_now": "on", "note": "Using again"},
            follow=True,
        )
    assert "An inquiry is now in the intake queue" in response.content.decode()
    recorded = follow_up(3)
    inquiry = Inquiry.objects.get(uuid=recorded.inquiry_uuid)
    assert inquiry.patient == discharged.patient
    assert "needs help now" in inquiry.reason and "Using again" in inquiry.reason
    assert (recorded.reached, recorded.opioid_use, recorded.engaged_in_moud) == (True, True, None)


def test_an_unreached_patient_has_no_outcomes(discharged: Unit) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.do_record_follow_up(
            follow_up(7),
            acting_user=discharged.counselor,
            reached=False,
            outcomes={"overdose": False},
        )
    assert list(caught.value.message_dict) == ["overdose"]
    assert not follow_up(7).is_recorded


def test_it_records_a_follow_up_once(discharged: Unit) -> None:
    recorded = actions.do_record_follow_up(
        follow_up(7), acting_user=discharged.coordinator, reached=False, outcomes={}
    )
    with pytest.raises(ValidationError, match="already"):
        actions.do_record_follow_up(
            recorded, acting_user=discharged.coordinator, reached=True, outcomes={}
        )


def test_it_refuses_a_role_without_the_capability(discharged: Unit) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_record_follow_up(
            follow_up(7), acting_user=discharged.prescriber, reached=True, outcomes={}
        )
