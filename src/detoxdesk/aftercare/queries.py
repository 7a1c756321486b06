"""Reading discharges, appointments and follow-ups: the contracts other apps (the portal) use.

These functions do not check access: callers pass a patient they already may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from detoxdesk.aftercare import policy
from detoxdesk.aftercare.models import Appointment, BundleItem, Discharge, FollowUp
from detoxdesk.clinical import aftercare as rules
from detoxdesk.patients.models import Patient, Program


def appointments_for(patient: Patient, *, now: datetime | None = None) -> list[Appointment]:
    """The appointments of the patient's signed discharges: upcoming first (soonest first), then
    past ones (latest first). Each has ``when``, ``provider_name``, ``place`` and ``phone``.
    """
    now = now or timezone.now()
    signed = Appointment.objects.filter(patient=patient, discharge__status=Discharge.Status.SIGNED)
    upcoming = list(signed.filter(when__gte=now).order_by("when"))
    past = list(signed.filter(when__lt=now).order_by("-when"))
    return upcoming + past


def summary_queryset() -> QuerySet[Discharge]:
    """Discharges with everything the summary template reads, in four queries."""
    return Discharge.objects.select_related(
        "episode__facility__program", "patient", "signed_by"
    ).prefetch_related(
        Prefetch("items", queryset=BundleItem.objects.select_related("recorded_by").order_by("pk")),
        Prefetch("appointments", queryset=Appointment.objects.order_by("when")),
        "referrals",
    )


def latest_summary(patient: Patient) -> Discharge | None:
    """The patient's latest signed discharge, ready for ``aftercare/_summary_body.html``."""
    return (
        summary_queryset()
        .filter(patient=patient, status=Discharge.Status.SIGNED)
        .order_by("-signed_at")
        .first()
    )


def follow_ups_for(patient: Patient) -> list[FollowUp]:
    """The patient's follow-ups, earliest due first."""
    return list(
        FollowUp.objects.filter(patient=patient)
        .select_related("recorded_by", "facility")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up with where it stands today."""

    follow_up: FollowUp
    state: rules.FollowUpState


def local_today(program: Program, now: datetime) -> date:
    """The calendar day of ``now`` in the program's time zone."""
    return now.astimezone(ZoneInfo(program.timezone)).date()


def with_states(follow_ups: list[FollowUp], now: datetime) -> list[FollowUpRow]:
    """Each follow-up (with ``facility__program`` loaded) and its state, derived now."""
    graces: dict[int, int | None] = {}
    rows = []
    for follow_up in follow_ups:
        program = follow_up.facility.program
        if program.pk not in graces:
            graces[program.pk] = policy.settings_for(program).overdue_grace_days
        state = rules.follow_up_state(
            follow_up.due_on,
            local_today(program, now),
            recorded=follow_up.is_recorded,
            grace_days=graces[program.pk],
        )
        rows.append(FollowUpRow(follow_up, state))
    return rows
