"""Demo data for the medications app, loaded after the demo patients exist.

A few plausible orders written through the same actions the pages use: standard buprenorphine
starts, lofexidine with a comfort PRN, and methadone. A first dose is recorded only where the
demo COWS history already reaches the gate, so the safety engine is never bypassed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from detoxdesk.intake import queries as intake_queries
from detoxdesk.medications import actions, ordersets
from detoxdesk.medications.policy import program_policy, settings_for
from detoxdesk.medications.safety import BUP_STANDARD, check_administration
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients.models import Episode

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.patients.demo import DemoContext


def load(demo: DemoContext) -> None:
    """Add this app's demo records."""
    prescriber, nurse = demo.users["prescriber"], demo.users["nurse"]
    inpatients = [e for e in demo.episodes if e.facility.kind == "inpatient"]
    for episode in inpatients[:2]:
        _standard_start(episode, prescriber, nurse)
    if len(inpatients) > 3:
        _lofexidine_and_comfort(inpatients[3], prescriber)
    if len(inpatients) > 6:
        _methadone(inpatients[6], prescriber)


def _last_use(episode: Episode) -> tuple[str, datetime]:
    """The last opioid use the patient's signed evaluation records, so the chart's course and the
    medication facts tell one story; a short-acting use 14 h before admission without one."""
    evaluated = intake_queries.last_opioid_use(episode.patient)
    if evaluated is None:
        return "short_acting", episode.admitted_at - timedelta(hours=14)
    return evaluated.opioid_class, evaluated.at


def _standard_start(episode: Episode, prescriber: User, nurse: User) -> None:
    signed = episode.admitted_at + timedelta(minutes=30)
    opioid_class, last_use = _last_use(episode)
    actions.do_update_facts(
        episode,
        acting_user=prescriber,
        opioid_class=opioid_class,
        last_opioid_use_at=last_use,
        now=signed,
    )
    found = ordersets.find(
        ordersets.order_sets(
            program_policy(settings_for(episode.facility.program)),
            signed.date(),
            ciwa_enabled=False,
        ),
        BUP_STANDARD,
    )
    if found is None:
        return
    values = {k: v for k, v in found.initial.items() if v is not None}
    order = actions.do_sign_order(
        episode,
        acting_user=prescriber,
        protocol=BUP_STANDARD,
        acknowledge_warnings=True,  # the naloxone offer
        now=signed,
        **values,
    )
    ready = (
        Assessment.objects.filter(
            episode=episode, scale=Scale.COWS, total__gte=order.trigger_min_total or 0
        )
        .order_by("performed_at")
        .first()
    )
    if ready is None:
        return
    at = ready.performed_at + timedelta(minutes=5)
    decision = check_administration(order, order.dose_mg, at).decision
    if decision == "stop":
        return
    # A warning (say, a last use sooner than the advised wait with the COWS already at the gate)
    # is acknowledged by the nurse, as on the dose form.
    actions.do_record_administration(
        order,
        acting_user=nurse,
        outcome="given",
        occurred_at=at,
        now=at + timedelta(minutes=2),
        confirmation=actions.DoseConfirmation(acknowledge_warnings=decision == "warning"),
    )


def _lofexidine_and_comfort(episode: Episode, prescriber: User) -> None:
    signed = episode.admitted_at + timedelta(minutes=30)
    actions.do_sign_order(
        episode,
        acting_user=prescriber,
        drug="lofexidine",
        dose_mg=Decimal("0.54"),
        route="oral",
        times_of_day=[time(8), time(13), time(18), time(23)],
        protocol="lofexidine",
        now=signed,
    )
    actions.do_sign_order(
        episode,
        acting_user=prescriber,
        drug="loperamide",
        dose_mg=Decimal(2),
        route="oral",
        prn_indication="diarrhoea",
        protocol="comfort_loperamide_diarrhoea",
        now=signed,
    )


def _methadone(episode: Episode, prescriber: User) -> None:
    signed = episode.admitted_at + timedelta(minutes=30)
    actions.do_update_facts(
        episode, acting_user=prescriber, opioid_class="methadone", qtc_ms=430, now=signed
    )
    actions.do_sign_order(
        episode,
        acting_user=prescriber,
        drug="methadone",
        dose_mg=Decimal(20),
        route="oral",
        times_of_day=[time(8)],
        protocol="methadone",
        acknowledge_warnings=True,
        now=signed,
    )
