"""The medication administration record of one episode for one shift, derived at read time.

Scheduled doses due, overdue or recorded; as-needed (PRN) doses eligible now given the latest
scores, intervals and daily totals (all from the safety engine); the re-assessment due after a
PRN dose; the doses recorded; the day's totals; and the precipitated-withdrawal alert.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import Q, Subquery

from detoxdesk.clinical import alcohol
from detoxdesk.medications import schedule
from detoxdesk.medications.alerts import PrecipitatedAlert, precipitated_alerts
from detoxdesk.medications.models import Administration, MedicationSettings, Order, OrderLine
from detoxdesk.medications.ordersets import CIWA_BENZODIAZEPINE
from detoxdesk.medications.picture import UnscheduledTaper
from detoxdesk.medications.policy import alcohol_protocol, settings_for, shift_starts
from detoxdesk.medications.queries import current_orders
from detoxdesk.medications.safety import Chart, SafetyCheck, check_administration, read_chart
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients.models import Episode


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime

    def previous(self, starts: list[time]) -> Shift:
        return shift_containing(self.start - timedelta(minutes=1), starts)

    def next(self, starts: list[time]) -> Shift:
        return shift_containing(self.end, starts)


def shift_containing(moment: datetime, starts: list[time]) -> Shift:
    """The shift (from one start time to the next, in ``moment``'s time zone) around it."""
    tz = moment.tzinfo
    day = moment.date()
    candidates = sorted(
        datetime.combine(day + timedelta(days=offset), start, tz)
        for offset in (-1, 0, 1)
        for start in starts
    )
    begin = max(c for c in candidates if c <= moment)
    end = min(c for c in candidates if c > begin)
    return Shift(begin, end)


@dataclass(frozen=True)
class ScheduledRow:
    order: Order
    due: schedule.DueDose
    record: Administration | None
    state: str  # recorded | on_hold | overdue | due | upcoming


@dataclass(frozen=True)
class PrnRow:
    order: Order
    check: SafetyCheck | None
    trigger: Assessment | None
    trigger_met: bool | None
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return (
            self.order.line.status == OrderLine.Status.ACTIVE
            and self.trigger_met is not False
            and self.check is not None
            and self.check.decision != "stop"
        )


@dataclass(frozen=True)
class Reassessment:
    dose: Administration
    due_at: datetime | None
    done_by: Assessment | None


@dataclass(frozen=True)
class CiwaClock:
    """A CIWA-Ar at or above the program's symptom-triggered trigger, and when CIWA-Ar is due
    again (SPEC A6.2: the trigger and the interval are the medical director's)."""

    started_by: Assessment
    trigger: int
    due_at: datetime
    done_by: Assessment | None


@dataclass
class Mar:
    episode: Episode
    settings: MedicationSettings
    shift: Shift
    previous: Shift
    next: Shift
    now: datetime
    orders: list[Order]
    scheduled: list[ScheduledRow]
    prn: list[PrnRow]
    records: list[Administration]
    reassessments: list[Reassessment]
    day_totals: dict[str, Decimal] = field(default_factory=dict)
    alerts: list[PrecipitatedAlert] = field(default_factory=list)
    unscheduled_tapers: list[UnscheduledTaper] = field(default_factory=list)
    ciwa_clock: CiwaClock | None = None


def _state(
    due: schedule.DueDose, record: Administration | None, line: OrderLine, now: datetime
) -> str:
    if record is not None:
        return "recorded"
    if line.status == OrderLine.Status.HELD:
        return "on_hold"
    grace = timedelta(minutes=django_settings.LATE_ENTRY_MINUTES)
    if due.at < now - grace:
        return "overdue"
    return "due" if due.at <= now + grace else "upcoming"


def _scheduled(orders: list[Order], shift: Shift, now: datetime) -> list[ScheduledRow]:
    lines = [o.line_id for o in orders]
    recorded = {
        (row.line_id, row.scheduled_for): row
        for row in Administration.objects.filter(
            line_id__in=lines, scheduled_for__gte=shift.start, scheduled_for__lt=shift.end
        ).select_related("recorded_by")
    }
    rows = [
        ScheduledRow(order, due, recorded.get((order.line_id, due.at)), "")
        for order in orders
        if not order.is_prn
        for due in schedule.due_doses(order, shift.start, shift.end)
    ]
    rows = [
        ScheduledRow(r.order, r.due, r.record, _state(r.due, r.record, r.order.line, now))
        for r in rows
    ]
    return sorted(rows, key=lambda r: r.due.at)


def _latest_scores(episode: Episode, scales: set[str], now: datetime) -> dict[str, Assessment]:
    """The latest assessment of each of ``scales``, in one query whatever the orders' triggers
    (each scale's latest is one lookup on the (episode, scale, performed_at) index)."""
    if not scales:
        return {}
    latest = Q()
    for scale in sorted(scales):
        newest = Assessment.objects.filter(
            episode=episode, scale=scale, performed_at__lte=now
        ).order_by("-performed_at")
        latest |= Q(pk=Subquery(newest.values("pk")[:1]))
    return {row.scale: row for row in Assessment.objects.filter(latest)}


def _prn_row(
    order: Order,
    settings: MedicationSettings,
    now: datetime,
    chart: Chart,
    scores: dict[str, Assessment],
) -> PrnRow:
    reasons: list[str] = []
    trigger, met = None, None
    if order.trigger_scale and order.trigger_min_total is not None:
        trigger = scores.get(order.trigger_scale)
        scale = Scale(order.trigger_scale).label
        if trigger is None:
            met = False
            reasons.append(
                f"No {scale} recorded yet: this dose is given for {scale} "
                f"{order.trigger_min_total} or more."
            )
        else:
            met = trigger.total >= order.trigger_min_total
            if not met:
                reasons.append(
                    f"The latest {scale} is {trigger.total}, below this order's "
                    f"trigger of {order.trigger_min_total}."
                )
    if order.line.status != OrderLine.Status.ACTIVE:
        reasons.append(f"The order is {order.line.get_status_display().lower()}.")
        return PrnRow(order, None, trigger, met, tuple(reasons))
    check = check_administration(order, order.dose_mg, now, settings=settings, chart=chart)
    reasons += [f.message for f in check.stops]
    return PrnRow(order, check, trigger, met, tuple(reasons))


def _reassessments(
    episode: Episode,
    records: list[Administration],
    prn_lines: set[int],
    settings: MedicationSettings,
    ciwa_lines: frozenset[int] = frozenset(),
) -> list[Reassessment]:
    doses = [
        r for r in records if r.line_id in prn_lines and r.outcome == Administration.Outcome.GIVEN
    ]
    if not doses:
        return []
    scored = list(
        Assessment.objects.filter(
            episode=episode,
            scale__in=(Scale.COWS, Scale.CIWA_AR),
            performed_at__gt=min(d.occurred_at for d in doses),
        ).order_by("performed_at")
    )
    interval = settings.prn_reassessment_min
    protocol = alcohol_protocol(settings)
    found = []
    for dose in doses:
        done = next((a for a in scored if a.performed_at > dose.occurred_at), None)
        if dose.line_id in ciwa_lines and protocol.is_set:
            due_at = alcohol.reassess_due(protocol, dose.occurred_at)
        else:
            due_at = dose.occurred_at + timedelta(minutes=interval) if interval else None
        found.append(Reassessment(dose, due_at, done))
    return found


def ciwa_clock(
    episode: Episode, settings: MedicationSettings, orders: list[Order], now: datetime
) -> CiwaClock | None:
    """The latest CIWA-Ar at or above the protocol's trigger, while a CIWA-Ar benzodiazepine
    order is active, and when CIWA-Ar is due again; None while the protocol is not set.

    Two lookups on the (episode, scale, performed_at) index, only when the protocol is set.
    """
    protocol = alcohol_protocol(settings)
    active = any(
        o.line.protocol == CIWA_BENZODIAZEPINE and o.line.status == OrderLine.Status.ACTIVE
        for o in orders
    )
    if not protocol.is_set or not active or protocol.trigger.value is None:
        return None
    trigger = int(protocol.trigger.value)
    ciwa = Assessment.objects.filter(episode=episode, scale=Scale.CIWA_AR, performed_at__lte=now)
    started = ciwa.filter(total__gte=trigger).order_by("-performed_at").first()
    due_at = None if started is None else alcohol.reassess_due(protocol, started.performed_at)
    if started is None or due_at is None:
        return None
    done = ciwa.filter(performed_at__gt=started.performed_at).order_by("performed_at").first()
    return CiwaClock(started, trigger, due_at, done)


def day_totals(episode: Episode, now: datetime) -> dict[str, Decimal]:
    tz = now.tzinfo
    midnight = datetime.combine(now.date(), time(), tz)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for drug, dose in Administration.objects.filter(
        episode=episode,
        outcome=Administration.Outcome.GIVEN,
        occurred_at__gte=midnight,
        occurred_at__lte=now,
    ).values_list("drug", "dose_mg"):
        totals[drug] += dose or Decimal(0)
    return dict(totals)


def build_mar(episode: Episode, now: datetime, shift_start: datetime | None = None) -> Mar:
    """The record of ``episode`` for the shift around ``shift_start`` (default: now)."""
    settings = settings_for(episode.facility.program)
    tz = ZoneInfo(episode.facility.program.timezone)
    now = now.astimezone(tz)
    starts = shift_starts(settings)
    shift = shift_containing((shift_start or now).astimezone(tz), starts)
    orders = current_orders(episode)
    records = list(
        Administration.objects.filter(
            episode=episode, occurred_at__gte=shift.start, occurred_at__lt=shift.end
        )
        .select_related("recorded_by", "second_signer", "overridden_by", "order")
        .order_by("occurred_at")
    )
    prn = [o for o in orders if o.is_prn]
    chart = read_chart(episode, now, {o.drug for o in prn}, orders=orders)
    scores = _latest_scores(episode, {o.trigger_scale for o in prn if o.trigger_scale}, now)
    return Mar(
        episode=episode,
        settings=settings,
        shift=shift,
        previous=shift.previous(starts),
        next=shift.next(starts),
        now=now,
        orders=orders,
        scheduled=_scheduled(orders, shift, now),
        prn=[_prn_row(o, settings, now, chart, scores) for o in prn],
        unscheduled_tapers=list(chart.picture.unscheduled_tapers),
        records=records,
        reassessments=_reassessments(
            episode,
            records,
            {o.line_id for o in prn},
            settings,
            frozenset(o.line_id for o in prn if o.line.protocol == CIWA_BENZODIAZEPINE),
        ),
        ciwa_clock=ciwa_clock(episode, settings, orders, now),
        day_totals=day_totals(episode, now),
        alerts=precipitated_alerts(episode, settings),
    )


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
