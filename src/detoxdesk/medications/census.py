"""What the census board asks of the medication record, for a page of episodes at once.

The same answers as the chart and the medication record give one episode at a time
(:func:`detoxdesk.medications.alerts.precipitated_alerts`, the overdue rows of
:func:`detoxdesk.medications.mar.build_mar`), read in a fixed number of queries whatever the
number of episodes: the programs' settings, the first buprenorphine doses with the COWS around
them, the current scheduled orders, and the doses recorded against them this shift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import Exists, OuterRef, Subquery

from detoxdesk.clinical import induction
from detoxdesk.medications import schedule
from detoxdesk.medications.mar import shift_containing
from detoxdesk.medications.models import (
    Administration,
    AlertReview,
    MedicationSettings,
    Order,
    OrderLine,
)
from detoxdesk.medications.policy import program_policy, shift_starts
from detoxdesk.monitoring.models import Assessment, Scale

BUPRENORPHINE = "buprenorphine"


def settings_by_program(program_ids: Sequence[int]) -> dict[int, MedicationSettings]:
    """Each program's medication settings (unsaved defaults where it has none), one query."""
    found = {s.program_id: s for s in MedicationSettings.objects.filter(program_id__in=program_ids)}
    return {pk: found.get(pk) or MedicationSettings(program_id=pk) for pk in program_ids}


def precipitated_unreviewed(
    episode_ids: Sequence[int],
    programs: dict[int, int],
    settings: dict[int, MedicationSettings],
) -> set[int]:
    """The episodes whose possible-precipitated-withdrawal alert is raised and not yet reviewed.

    ``programs`` maps each episode id to its program id. One query: each episode's first
    buprenorphine dose given, the last COWS at or before it and the first one after it.
    """
    given = Administration.objects.filter(drug=BUPRENORPHINE, outcome=Administration.Outcome.GIVEN)
    first = given.filter(episode=OuterRef("episode")).order_by("occurred_at", "pk")
    cows = Assessment.objects.filter(episode=OuterRef("episode"), scale=Scale.COWS)
    before = cows.filter(performed_at__lte=OuterRef("occurred_at")).order_by("-performed_at")
    after = cows.filter(performed_at__gt=OuterRef("occurred_at")).order_by("performed_at")
    rows = (
        given.filter(episode_id__in=episode_ids, pk=Subquery(first.values("pk")[:1]))
        .annotate(
            before_total=Subquery(before.values("total")[:1]),
            after_id=Subquery(after.values("pk")[:1]),
            after_total=Subquery(after.values("total")[:1]),
            after_at=Subquery(after.values("performed_at")[:1]),
        )
        .annotate(
            reviewed=Exists(
                AlertReview.objects.filter(
                    first_dose=OuterRef("pk"), assessment=OuterRef("after_id")
                )
            )
        )
        .values("episode_id", "occurred_at", "before_total", "after_total", "after_at", "reviewed")
    )
    raised = set()
    for row in rows:
        if row["before_total"] is None or row["after_total"] is None or row["reviewed"]:
            continue
        minutes = Decimal((row["after_at"] - row["occurred_at"]).total_seconds()) / 60
        screen = induction.screen_precipitated_withdrawal(
            row["before_total"],
            row["after_total"],
            minutes.quantize(Decimal(1)),
            program_policy(settings[programs[row["episode_id"]]]),
        )
        if screen.alert:
            raised.add(row["episode_id"])
    return raised


def overdue_doses(
    episode_ids: Sequence[int], settings: dict[int, MedicationSettings], now: datetime
) -> Counter[int]:
    """How many scheduled doses of this shift are overdue (past due beyond the late-entry grace,
    nothing recorded, the order not on hold), per episode id. Two queries."""
    orders = [
        order
        for order in Order.objects.filter(
            line__episode_id__in=episode_ids,
            superseded_at=None,
            line__status=OrderLine.Status.ACTIVE,
            prn_indication="",
        ).select_related("line__episode__facility__program")
    ]
    grace = timedelta(minutes=django_settings.LATE_ENTRY_MINUTES)
    due: list[tuple[int, int, datetime]] = []
    for order in orders:
        program = order.line.episode.facility.program
        local = now.astimezone(ZoneInfo(program.timezone))
        shift = shift_containing(local, shift_starts(settings[program.pk]))
        due += [
            (order.line.episode_id, order.line_id, dose.at)
            for dose in schedule.due_doses(order, shift.start, now - grace)
        ]
    if not due:
        return Counter()
    recorded = set(
        Administration.objects.filter(
            line_id__in={line for _, line, _ in due},
            scheduled_for__gte=min(at for _, _, at in due),
            scheduled_for__lte=max(at for _, _, at in due),
        ).values_list("line_id", "scheduled_for")
    )
    return Counter(episode for episode, line, at in due if (line, at) not in recorded)
