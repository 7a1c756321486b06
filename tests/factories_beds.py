"""Plain factory functions for the bed board."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.beds import actions
from detoxdesk.beds.models import Reservation
from detoxdesk.intake.models import Inquiry
from detoxdesk.patients.models import Bed, Facility
from detoxdesk.staff.models import BedStatus, Unit
from factories_intake import make_inquiry


def make_bed(facility: Facility, label: str, *, unit: Unit | None = None, **status: object) -> Bed:
    bed = Bed.objects.create(facility=facility, label=label)
    if unit is not None or status:
        BedStatus.objects.create(bed=bed, unit=unit, **status)
    return bed


def reserve(
    bed: Bed,
    user: User,
    *,
    inquiry: Inquiry | None = None,
    hours: float = 4,
    now: datetime | None = None,
) -> Reservation:
    now = now or timezone.now()
    inquiry = inquiry or make_inquiry(bed.facility)
    return actions.do_reserve_bed(
        inquiry, bed, acting_user=user, expires_at=now + timedelta(hours=hours), now=now
    )
