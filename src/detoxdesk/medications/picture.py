"""One medication picture per episode: everything the patient is taking, for every safety check.

The picture holds the current orders of any order set (scheduled and as needed), the signed taper
plans (with or without times of day), the home medications recorded for the episode, and the
substances recorded at evaluation that a combination rule needs (alcohol). Each item is a
:class:`detoxdesk.clinical.dosing.ActiveMedication`; the order being checked is left out by the
caller (:meth:`Picture.without`).

The picture is read in a fixed number of queries whatever the number of orders, so the medication
record can check every as-needed order against one picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Q

from detoxdesk.clinical import dosing
from detoxdesk.intake import evaluation_data
from detoxdesk.intake.models import Evaluation
from detoxdesk.medications import schedule
from detoxdesk.medications.describe import drug_label
from detoxdesk.medications.models import HomeMedication, Order, OrderLine
from detoxdesk.medications.queries import current_orders
from detoxdesk.patients.models import Episode
from detoxdesk.tapers.models import TaperPlan

# Substances recorded at evaluation that the combination rules read, as the knowledge codes them.
EVALUATION_SUBSTANCES = {"alcohol": "alcohol"}
LIVE_PLAN = (TaperPlan.Status.ACTIVE, TaperPlan.Status.HELD)


@dataclass(frozen=True)
class Entry:
    """One item of the picture and the order line it comes from (None when not an order)."""

    medication: dosing.ActiveMedication
    line_id: int | None = None


@dataclass(frozen=True)
class UnscheduledTaper:
    """A signed taper plan whose doses are on no order of the medication record.

    ``daily_dose`` is the plan's dose for the day in the plan's unit (None after its last day).
    """

    plan: TaperPlan
    daily_dose: Decimal | None
    reason: str


@dataclass(frozen=True)
class Picture:
    entries: tuple[Entry, ...]
    unscheduled_tapers: tuple[UnscheduledTaper, ...]

    def without(self, line_id: int | None) -> tuple[dosing.ActiveMedication, ...]:
        """Everything but the order line ``line_id`` (the one being checked)."""
        return tuple(e.medication for e in self.entries if line_id is None or e.line_id != line_id)

    @property
    def medications(self) -> tuple[dosing.ActiveMedication, ...]:
        return self.without(None)


def _local_day(episode: Episode, at: datetime) -> date:
    return at.astimezone(ZoneInfo(episode.facility.program.timezone)).date()


def order_daily_mg(order: Order, day: date) -> Decimal | None:
    """The scheduled milligrams of ``order`` on ``day``; None for an as-needed order."""
    if order.is_prn:
        return None
    return sum((dose.dose_mg for dose in schedule.doses_on_day(order, day)), Decimal(0))


def _order_entries(orders: Iterable[Order], day: date) -> list[Entry]:
    found = []
    for order in orders:
        if order.line.status != OrderLine.Status.ACTIVE:
            continue  # a held order is not being given; resuming it is checked at its next dose
        label = f"{drug_label(order.drug)} order"
        medication = dosing.ActiveMedication(
            drug=order.drug,
            daily_dose_mg=order_daily_mg(order, day),
            source="prn" if order.is_prn else "order",
            label=f"{label} (as needed)" if order.is_prn else label,
        )
        found.append(Entry(medication, order.line_id))
    return found


def plan_day_dose(plan: TaperPlan, day: date) -> Decimal | None:
    """The plan's daily dose on ``day`` (the held level while a hold is open), in its unit."""
    from detoxdesk.tapers.orders import dose_schedule

    rows = dose_schedule(plan) if plan.steps else []
    return next((Decimal(r["daily_dose_mg"]) for r in rows if r["date"] == day.isoformat()), None)


def _unscheduled_reason(plan: TaperPlan) -> str:
    if not plan.parameters.get("times_of_day"):
        return "time not set"
    if plan.unit != "mg":
        return f"dose in {plan.unit}: not on the medication record's schedule"
    return "no medication order: time not set"


def _taper_entries(
    plans: Iterable[TaperPlan], ordered: set[UUID], day: date
) -> tuple[list[Entry], list[UnscheduledTaper]]:
    """Plans whose order is current are already in the picture as that order; the rest are
    added as tapers (and listed for the medication record as due with "time not set")."""
    entries, unscheduled = [], []
    from detoxdesk.tapers.orders import drives_order

    for plan in plans:
        if plan.order_uuid is not None and plan.order_uuid in ordered:
            continue
        if plan.order_uuid is None and drives_order(plan):
            continue  # being signed: its order is the one checked
        dose = plan_day_dose(plan, day)
        mg = dose if plan.unit == "mg" else None
        label = f"{drug_label(plan.drug)} taper"
        entries.append(Entry(dosing.ActiveMedication(plan.drug, mg, "taper", label)))
        unscheduled.append(UnscheduledTaper(plan, dose, _unscheduled_reason(plan)))
    return entries, unscheduled


def _home_entries(episode: Episode, at: datetime) -> list[Entry]:
    rows = HomeMedication.objects.filter(episode=episode, recorded_at__lte=at).filter(
        Q(stopped_at=None) | Q(stopped_at__gt=at)
    )
    return [
        Entry(
            dosing.ActiveMedication(
                row.drug, row.daily_dose_mg, "home", f"{drug_label(row.drug)} (home medication)"
            )
        )
        for row in rows
    ]


def evaluation_substances(episode: Episode) -> frozenset[str]:
    """The substances named in the patient's latest signed evaluation."""
    evaluation = (
        Evaluation.objects.filter(patient_id=episode.patient_id, status=Evaluation.Status.SIGNED)
        .order_by("-signed_at", "-pk")
        .only("answers")
        .first()
    )
    if evaluation is None:
        return frozenset()
    return frozenset(row["name"] for row in evaluation_data.substance_rows(evaluation.answers))


def _evaluated(name: str) -> str:
    return f"{name.capitalize()} (recorded at evaluation)"


def _evaluation_entries(episode: Episode) -> list[Entry]:
    named = evaluation_substances(episode)
    return [
        Entry(dosing.ActiveMedication(code, None, "evaluation", _evaluated(name)))
        for name, code in EVALUATION_SUBSTANCES.items()
        if name in named
    ]


def medication_picture(
    episode: Episode, at: datetime, *, orders: list[Order] | None = None
) -> Picture:
    """Everything ``episode``'s patient is taking at ``at`` (see the module docstring).

    ``orders`` may pass the episode's current order versions when the caller has read them.
    """
    orders = current_orders(episode) if orders is None else orders
    day = _local_day(episode, at)
    plans = TaperPlan.objects.filter(episode=episode, status__in=LIVE_PLAN, signed_at__lte=at)
    ordered = {o.line.uuid for o in orders if o.line.status == OrderLine.Status.ACTIVE}
    tapers, unscheduled = _taper_entries(plans, ordered, day)
    entries = (
        _order_entries(orders, day)
        + tapers
        + _home_entries(episode, at)
        + _evaluation_entries(episode)
    )
    return Picture(tuple(entries), tuple(unscheduled))
