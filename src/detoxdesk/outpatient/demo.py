"""Demo data for outpatient care, loaded after the demo patients and tapers exist.

The clinic's longest-staying outpatient has daily visits: seen on the first two days, not on the
third, so the census board shows a missed check-in and the episode waits for review.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from detoxdesk.outpatient import actions

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext


def load(demo: DemoContext) -> None:
    """A daily visit schedule with two visits and one missed, through the app's actions."""
    outpatients = sorted((e for e in demo.episodes if e.is_outpatient), key=lambda e: e.admitted_at)
    if not outpatients or (demo.now - outpatients[0].admitted_at) < timedelta(days=3):
        return
    episode = outpatients[0]
    first = timezone.localdate(episode.admitted_at)
    actions.do_set_visit_plan(
        episode,
        acting_user=demo.users["prescriber"],
        first_visit_on=first,
        every_days=1,
        home_check_ins=False,
        now=episode.admitted_at + timedelta(minutes=30),
    )
    for day in (0, 1):
        at = episode.admitted_at + timedelta(days=day, minutes=45)
        actions.do_record_visit(
            episode, acting_user=demo.users["clinicnurse"], attended_at=at, now=at
        )
