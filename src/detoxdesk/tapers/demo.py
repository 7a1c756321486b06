"""Demo data for the tapers app, loaded after the demo patients exist.

A signed inpatient methadone taper that was held for a day and resumed, a draft buprenorphine
taper, an outpatient on oxycodone with a long-term taper, and a draft clonazepam taper. Doses are
made-up demo values.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from detoxdesk.tapers import actions

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext
    from detoxdesk.patients.models import Episode


def _by_kind(demo: DemoContext, kind: str) -> list[Episode]:
    return [e for e in demo.episodes if e.facility == demo.facilities[kind]]


def _methadone(demo: DemoContext, episode: Episode) -> None:
    prescriber, now = demo.users["prescriber"], demo.now
    today = timezone.localdate(now)
    plan = actions.do_draft_plan(
        episode,
        acting_user=prescriber,
        kind="methadone",
        start_date=today - timedelta(days=2),
        current_daily_dose=Decimal("30"),
        increment=Decimal("5"),
        days=8,
        times_of_day=[time(8)],
        now=now - timedelta(days=2, hours=1),
    )
    actions.do_sign_plan(
        plan, acting_user=prescriber, acknowledged=True, now=now - timedelta(days=2)
    )
    actions.do_hold_plan(
        plan,
        acting_user=prescriber,
        from_date=today,
        reason="Night nurse reported a hard night; hold before the next step.",
        now=now - timedelta(hours=3),
    )
    actions.do_resume_plan(
        plan,
        acting_user=prescriber,
        resume_on=today + timedelta(days=1),
        reason="Settled on review.",
        now=now - timedelta(hours=1),
    )


def _buprenorphine_draft(demo: DemoContext, episode: Episode) -> None:
    actions.do_draft_plan(
        episode,
        acting_user=demo.users["prescriber"],
        kind="buprenorphine",
        start_date=timezone.localdate(demo.now) + timedelta(days=1),
        current_daily_dose=Decimal("16"),
        increment=Decimal("2"),
        now=demo.now - timedelta(minutes=30),
    )


def _long_term(demo: DemoContext, episode: Episode) -> None:
    prescriber, now = demo.users["prescriber"], demo.now
    actions.do_record_opioid(
        episode,
        acting_user=prescriber,
        drug="oxycodone",
        dose=Decimal("20"),
        unit="mg",
        doses_per_day=Decimal("3"),
        prescriber="Dr M. Osei (primary care)",
        started_on=timezone.localdate(now) - timedelta(days=500),
        now=now - timedelta(hours=2),
    )
    plan = actions.do_draft_plan(
        episode,
        acting_user=prescriber,
        kind="long_term_opioid",
        drug="oxycodone",
        start_date=timezone.localdate(now),
        current_daily_dose=Decimal("60"),
        increment=Decimal("5"),
        percent=Decimal("10"),
        every_days=30,
        of="original",
        now=now - timedelta(hours=1),
    )
    actions.do_sign_plan(plan, acting_user=prescriber, acknowledged=True, now=now)


def _benzodiazepine_draft(demo: DemoContext, episode: Episode) -> None:
    actions.do_draft_plan(
        episode,
        acting_user=demo.users["prescriber"],
        kind="benzodiazepine",
        drug="clonazepam",
        start_date=timezone.localdate(demo.now) + timedelta(days=1),
        current_daily_dose=Decimal("2"),
        increment=Decimal("0.25"),
        step_percent=Decimal("10"),
        step_days=14,
        now=demo.now - timedelta(minutes=20),
    )


def load(demo: DemoContext) -> None:
    """Add the demo taper plans and one prescribed opioid through the app's actions."""
    inpatients, outpatients = _by_kind(demo, "in"), _by_kind(demo, "out")
    if len(inpatients) >= 3:
        # Not beside the demo's buprenorphine starts (inpatients 0 and 1): a full agonist taper
        # with buprenorphine active is a stop (precipitated withdrawal).
        _methadone(demo, inpatients[2])
        _buprenorphine_draft(demo, inpatients[0])
    if outpatients:
        _long_term(demo, outpatients[0])
    if len(outpatients) >= 2:
        _benzodiazepine_draft(demo, outpatients[1])
