"""Demo data for the bed board, loaded after the stays, inquiries and discharges exist.

The inpatient unit gets two wings, two open inquiries hold a free bed each (one of them for only
an hour more), one bed waits to be cleaned and one is out of service; a patient has moved once.
All written through the staff and beds actions, as an administrator and the unit's staff would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from detoxdesk.beds import actions, queries, states
from detoxdesk.intake.models import Inquiry
from detoxdesk.staff import actions as staff_actions

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext
    from detoxdesk.patients.models import Bed

WINGS = ("East wing", "West wing")


def _wings(demo: DemoContext) -> None:
    """Beds 1-8 in the east wing, 9-16 in the west; the last bed out of service."""
    admin, facility = demo.users["admin"], demo.facilities["in"]
    east, west = (
        staff_actions.do_create_unit(facility, acting_user=admin, name=name) for name in WINGS
    )
    for index, bed in enumerate(demo.beds):
        last = index == len(demo.beds) - 1
        staff_actions.do_update_bed(
            bed,
            acting_user=admin,
            version=staff_actions.bed_version(bed),
            label=bed.label,
            unit=east if index < len(demo.beds) // 2 else west,
            in_service=not last,
            reason="Call bell being repaired" if last else "",
        )


def _free(demo: DemoContext) -> list[Bed]:
    free = {
        b["label"]
        for b in queries.board(queries.beds_at([demo.facilities["in"].pk]), demo.now)
        if b["state"] == states.AVAILABLE
    }
    return [bed for bed in demo.beds if bed.label in free]


def load(demo: DemoContext) -> None:
    _wings(demo)
    nurse, coordinator = demo.users["nurse"], demo.users["coordinator"]
    free = _free(demo)
    occupied = [e for e in demo.episodes if e.bed_id is not None]
    if occupied and free:
        actions.do_transfer(
            occupied[0],
            free.pop(),
            acting_user=nurse,
            reason="Moved nearer the nursing station",
            now=demo.now - timedelta(hours=2),
        )  # the bed left behind waits to be cleaned
    waiting = Inquiry.objects.filter(
        facility__program=demo.program, status__in=Inquiry.OPEN_STATUSES, duplicate_of=None
    ).order_by("received_at")[:2]
    for inquiry, hours in zip(waiting, (6, 1), strict=False):
        if free:
            actions.do_reserve_bed(
                inquiry,
                free.pop(0),
                acting_user=coordinator,
                expires_at=demo.now + timedelta(hours=hours),
                note="Arriving by car with family" if hours > 1 else "",
                now=demo.now,
            )
