"""The quality report, computed in the database: one code path for the page, the command and tests.

Every figure is an aggregate (conditional ``Count`` grouped by month); medians and quartiles use
the nearest-rank method with a window function (``RowNumber``), which reads the same on SQLite and
PostgreSQL. Nothing loads episodes into Python: each query returns one row per month, or the few
rows at the percentile ranks.

Over years of data no figure costs a look-up per row. A discharge's bundle outcomes and warm
hand-off are read from its own row (kept there at signing), and each assessment's previous one
from its own row (kept as it is recorded). The readmission starts from the patient's next
admission (``LEAD``); a correlated look-up remains only for the rare stays that cannot settle
(overlapping stays).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db import connection, connections
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    Greatest,
    Lead,
    Least,
    RowNumber,
    TruncMonth,
)
from django.utils import timezone

from detoxdesk.aftercare.models import BundleItem, Discharge, DischargeKind, FollowUp
from detoxdesk.clinical import aftercare as rules
from detoxdesk.controlled.models import Discrepancy
from detoxdesk.intake.models import Inquiry
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Bed, Episode
from detoxdesk.reports.measures import (
    BY_KEY,
    COUNT,
    FOLLOW_UP_MEASURE_DAYS,
    MEASURES,
    PERCENT,
    READMISSION_WINDOW_DAYS,
)

_KINDS = {
    "discharges_completed": DischargeKind.COMPLETED,
    "discharges_ama": DischargeKind.AMA,
    "discharges_transferred": DischargeKind.TRANSFERRED,
    "discharges_administrative": DischargeKind.ADMINISTRATIVE,
}
DISCHARGE_MEASURES = (
    *_KINDS,
    "moud_at_discharge",
    "moud_declined",
    "naloxone_at_discharge",
    "naloxone_declined",
    "warm_handoff_72h",
    "readmission_30d",
)
FOLLOW_UP_MEASURES = {"followup_7d_reached": 7, "followup_30d_reached": 30}
DETAIL_COUNTS = (
    "moud_started_or_continued",
    "moud_referred",
    "naloxone_dispensed",
    "naloxone_prescribed",
)


@dataclass(frozen=True)
class Range:
    start: date
    end: date  # inclusive

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first instant after the range."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass
class Figure:
    numerator: int | None
    denominator: int | None
    value: float | None


@dataclass
class MeasureResult:
    key: str
    label: str
    unit: str
    total: Figure
    months: dict[date, Figure] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.total.numerator,
            "denominator": self.total.denominator,
            "value": self.total.value,
        }


@dataclass
class Report:
    range: Range
    months: list[date]
    measures: list[MeasureResult]

    def by_key(self) -> dict[str, MeasureResult]:
        return {m.key: m for m in self.measures}


def _figure(unit: str, numerator: int, denominator: int | None) -> Figure:
    if unit == PERCENT:
        value = round(100 * numerator / denominator, 1) if denominator else None
        return Figure(numerator, denominator, value)
    return Figure(numerator, denominator, float(numerator))


def month_list(rng: Range) -> list[date]:
    months, day = [], rng.start.replace(day=1)
    while day <= rng.end:
        months.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _month(value: datetime | date | str) -> date:
    if isinstance(value, str):  # a raw SQLite row: the local month's first moment, as text
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


# --- The querysets behind each figure (shared by the aggregates and the drill-down list) ---------


def _next_admission() -> QuerySet[Episode]:
    """Every episode with the patient's next admission (``LEAD`` over admission time)."""
    return Episode.objects.annotate(
        next_admitted_at=Window(
            Lead("admitted_at"),
            partition_by=[F("patient_id")],
            order_by=F("admitted_at").asc(),  # in either order, ties end up looked up
        )
    )


def _readmitted() -> Q:
    """Another episode of the patient admitted after the discharge and within the window.

    The patient's next admission (by admission time) settles it for nearly every episode: when it
    is later than the discharge, it is the first admission after the discharge. An episode stays a
    candidate only if that next admission falls within the window, or if its stays overlap the
    next one (or its discharge precedes its admission); for those candidates alone the database
    looks for the readmission itself.
    """
    window = timedelta(days=READMISSION_WINDOW_DAYS)
    candidates = _next_admission().filter(
        Q(
            next_admitted_at__lte=ExpressionWrapper(
                F("discharged_at") + Value(window, output_field=DurationField()),
                output_field=DateTimeField(),
            )
        )
        | Q(admitted_at__gt=F("discharged_at"))
    )
    readmitted = Episode.objects.filter(
        patient=OuterRef("patient"),
        admitted_at__gt=OuterRef("episode__discharged_at"),
        admitted_at__lte=_after_discharge(window),
    )
    return Q(episode_id__in=candidates.values("pk")) & Q(Exists(readmitted))


def _after_discharge(delta: timedelta) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(
        OuterRef("episode__discharged_at") + Value(delta, output_field=DurationField()),
        output_field=DateTimeField(),
    )


def discharge_conditions() -> dict[str, Q]:
    """Each discharge figure as a condition on the discharge's own row (its bundle outcomes and
    earliest warm hand-off are kept on it at signing), and the readmission."""
    window = rules.warm_handoff_window().length
    done, declined = BundleItem.Status.DONE, BundleItem.Status.DECLINED
    methadone = Q(moud_option="methadone")
    conditions: dict[str, Q] = {key: Q(kind=kind) for key, kind in _KINDS.items()}
    conditions.update(
        moud_at_discharge=Q(moud_status=done),
        moud_declined=Q(moud_status=declined),
        moud_referred=Q(moud_status=done) & methadone,
        moud_started_or_continued=Q(moud_status=done) & ~methadone,
        naloxone_at_discharge=Q(naloxone_status=done),
        naloxone_declined=Q(naloxone_status=declined),
        naloxone_dispensed=Q(naloxone_status=done, naloxone_how="dispensed"),
        naloxone_prescribed=Q(naloxone_status=done, naloxone_how="prescribed"),
        warm_handoff_72h=Q(
            warm_handoff_at__lte=ExpressionWrapper(
                F("episode__discharged_at") + Value(window, output_field=DurationField()),
                output_field=DateTimeField(),
            )
        ),
        readmission_30d=_readmitted(),
    )
    return conditions


def discharges(rng: Range, facility_ids: list[int]) -> QuerySet[Discharge]:
    return Discharge.objects.filter(
        status=Discharge.Status.SIGNED,
        episode__facility_id__in=facility_ids,
        episode__discharged_at__gte=rng.since,
        episode__discharged_at__lt=rng.until,
    )


def admissions(rng: Range, facility_ids: list[int]) -> QuerySet[Episode]:
    return Episode.objects.filter(
        facility_id__in=facility_ids, admitted_at__gte=rng.since, admitted_at__lt=rng.until
    )


def follow_ups(rng: Range, facility_ids: list[int], day_offset: int) -> QuerySet[FollowUp]:
    """Follow-ups due in the range that count: recorded, or past their due day (overdue)."""
    today = timezone.localdate()
    return FollowUp.objects.filter(
        facility_id__in=facility_ids,
        day_offset=day_offset,
        due_on__gte=rng.start,
        due_on__lte=rng.end,
    ).filter(Q(recorded_at__isnull=False) | Q(due_on__lt=today))


def _interval() -> ExpressionWrapper[Any]:
    minutes = Coalesce(
        "episode__assessment_interval_minutes",
        "episode__facility__program__assessment_interval_minutes",
        output_field=IntegerField(),
    )
    return ExpressionWrapper(
        minutes * Value(timedelta(minutes=1), output_field=DurationField()),
        output_field=DurationField(),
    )


def _assessed(rng: Range, facility_ids: list[int]) -> QuerySet[Assessment]:
    """Assessments in the range, each with ``due_by``: the latest time the previous one could
    have been for this one to be on time, ``performed_at - interval`` (null when no interval is
    set). The previous one's time is kept on each row (``previous_at``)."""
    return Assessment.objects.filter(
        episode__facility_id__in=facility_ids,
        performed_at__gte=rng.since,
        performed_at__lt=rng.until,
    ).annotate(
        due_by=ExpressionWrapper(F("performed_at") - _interval(), output_field=DateTimeField())
    )


# Counted: with a previous assessment in the episode and an interval set; on time: the previous
# one was no longer than the interval before it.
_COUNTED = Q(previous_at__isnull=False, due_by__isnull=False)
_ON_TIME = Q(previous_at__gte=F("due_by"))


def assessments(
    rng: Range, facility_ids: list[int], *, on_time: bool = False
) -> QuerySet[Assessment]:
    """Assessments in the range with a previous one in their episode and an interval set.

    With ``on_time``, only those done within the interval after the previous one.
    """
    return _assessed(rng, facility_ids).filter(_COUNTED & _ON_TIME if on_time else _COUNTED)


def _assessments_by_month(rng: Range, facility_ids: list[int]) -> list[tuple[Any, int, int]]:
    """(month, assessments counted, on time) rows: one grouped query."""
    rows = (
        _assessed(rng, facility_ids)
        .annotate(m=TruncMonth("performed_at"))
        .values("m")
        .annotate(n=Count("pk", filter=_COUNTED), ok=Count("pk", filter=_COUNTED & _ON_TIME))
        .order_by()
    )
    return [(row["m"], row["n"], row["ok"]) for row in rows if row["n"]]


def episodes_behind(
    key: str, rng: Range, facility_ids: list[int], month: date | None = None
) -> QuerySet[Episode]:
    """The episodes behind one figure (the numerator), for the drill-down list."""
    sub = Range(max(rng.start, month), min(rng.end, _month_end(month))) if month else rng
    if key == "admissions":
        found = admissions(sub, facility_ids)
    elif key in DISCHARGE_MEASURES or key in DETAIL_COUNTS:
        matching = discharges(sub, facility_ids).filter(discharge_conditions()[key])
        found = Episode.objects.filter(discharge__in=matching)
    elif key in FOLLOW_UP_MEASURES:
        reached = follow_ups(sub, facility_ids, FOLLOW_UP_MEASURES[key]).filter(reached=True)
        found = Episode.objects.filter(discharge__follow_ups__in=reached)
    elif key == "assessments_on_time":
        found = Episode.objects.filter(
            assessments__in=assessments(sub, facility_ids, on_time=True).values("pk")
        )
    else:
        raise KeyError(key)
    return found.distinct().select_related("patient", "facility").order_by("-admitted_at", "pk")


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# --- The report --------------------------------------------------------------------------------


def _percentiles(
    values: QuerySet[Any], ranks: tuple[float, ...] = (0.25, 0.5, 0.75)
) -> tuple[int, list[Any]]:
    """Nearest-rank percentiles of ``values`` (a queryset annotated with ``v``): two queries."""
    n = values.count()
    if not n:
        return 0, [None for _ in ranks]
    wanted = {p: max(1, math.ceil(p * n)) for p in ranks}
    rows = dict(
        values.annotate(rank=Window(RowNumber(), order_by=[F("v").asc(), F("pk").asc()]))
        .filter(rank__in=set(wanted.values()))
        .values_list("rank", "v")
    )
    return n, [rows[wanted[p]] for p in ranks]


def _in_background(*queries: Callable[[], Any]) -> list[Future[Any]]:
    """Start ``queries`` on connections of their own, side by side, while the caller goes on;
    ``result()`` of each waits for it.

    Only on PostgreSQL and only outside a transaction: a query on another connection would not
    see the caller's transaction (in a test, its rows), and SQLite answers one query at a time.
    Otherwise each query runs at once, on the caller's connection.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        futures: list[Future[Any]] = []
        for query in queries:
            futures.append(Future())
            futures[-1].set_result(query())
        return futures
    zone = timezone.get_current_timezone()  # months are cut in it; each thread has its own
    pool = ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="report")
    try:
        return [pool.submit(_on_own_connection, query, zone) for query in queries]
    finally:
        pool.shutdown(wait=False)  # the threads end when their query has


def _on_own_connection(query: Callable[[], Any], zone: tzinfo) -> Any:
    try:
        with timezone.override(zone):
            return query()
    finally:
        connections.close_all()  # this thread's connections only


def _discharges_by_month(rng: Range, facility_ids: list[int]) -> list[dict[str, Any]]:
    conds = discharge_conditions()
    names = [*DISCHARGE_MEASURES, *DETAIL_COUNTS]
    return list(
        discharges(rng, facility_ids)
        .annotate(m=TruncMonth("episode__discharged_at"))
        .values("m")
        .annotate(all=Count("pk"), **{k: Count("pk", filter=conds[k]) for k in names})
        .order_by()
    )


def build_report(rng: Range, facility_ids: list[int]) -> Report:
    months = month_list(rng)
    results: dict[str, MeasureResult] = {}

    def result(key: str) -> MeasureResult:
        m = BY_KEY[key]
        return results.setdefault(key, MeasureResult(m.key, m.label, m.unit, Figure(0, None, 0.0)))

    # The two figures that read every discharge and every assessment of the range start first,
    # side by side with the rest where the database allows it (_in_background).
    discharge_rows, assessment_rows = _in_background(
        lambda: _discharges_by_month(rng, facility_ids),
        lambda: _assessments_by_month(rng, facility_ids),
    )

    # 1. Admissions by month.
    rows = (
        admissions(rng, facility_ids)
        .annotate(m=TruncMonth("admitted_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    adm = result("admissions")
    total = 0
    for row in rows:
        adm.months[_month(row["m"])] = _figure(COUNT, row["n"], None)
        total += row["n"]
    adm.total = _figure(COUNT, total, None)

    # 2. Discharges by month: every discharge figure in one grouped query.
    names = [*DISCHARGE_MEASURES, *DETAIL_COUNTS]
    dis_rows = discharge_rows.result()
    sums = dict.fromkeys(["all", *names], 0)
    for row in dis_rows:
        for k in sums:
            sums[k] += row[k]
        for k in DISCHARGE_MEASURES:
            result(k).months[_month(row["m"])] = _figure(BY_KEY[k].unit, row[k], row["all"])
    for k in DISCHARGE_MEASURES:
        r = result(k)
        r.total = _figure(r.unit, sums[k], sums["all"])
    result("moud_at_discharge").extra = {
        "started or continued": sums["moud_started_or_continued"],
        "referred": sums["moud_referred"],
    }
    result("naloxone_at_discharge").extra = {
        "dispensed": sums["naloxone_dispensed"],
        "prescribed": sums["naloxone_prescribed"],
    }

    # 3. Follow-ups due in the range, by month and day.
    fu_total: dict[int, list[int]] = {d: [0, 0] for d in FOLLOW_UP_MEASURE_DAYS}
    today = timezone.localdate()
    fu_rows = (
        FollowUp.objects.filter(
            facility_id__in=facility_ids,
            day_offset__in=FOLLOW_UP_MEASURE_DAYS,
            due_on__gte=rng.start,
            due_on__lte=rng.end,
        )
        .filter(Q(recorded_at__isnull=False) | Q(due_on__lt=today))
        .annotate(m=TruncMonth("due_on"))
        .values("m", "day_offset")
        .annotate(n=Count("pk"), reached_n=Count("pk", filter=Q(reached=True)))
        .order_by()
    )
    fu_key = {d: k for k, d in FOLLOW_UP_MEASURES.items()}
    for k in FOLLOW_UP_MEASURES:
        result(k)
    for row in fu_rows:
        day = row["day_offset"]
        result(fu_key[day]).months[_month(row["m"])] = _figure(PERCENT, row["reached_n"], row["n"])
        fu_total[day][0] += row["reached_n"]
        fu_total[day][1] += row["n"]
    for day, (num, den) in fu_total.items():
        result(fu_key[day]).total = _figure(PERCENT, num, den)

    # 4. Assessments on time, by month.
    a = result("assessments_on_time")
    num = den = 0
    for month, n, ok in assessment_rows.result():
        a.months[_month(month)] = _figure(PERCENT, ok, n)
        num, den = num + ok, den + n
    a.total = _figure(PERCENT, num, den)

    # 5. Length of stay: median and interquartile range (days).
    stays = Episode.objects.filter(
        facility_id__in=facility_ids,
        discharged_at__gte=rng.since,
        discharged_at__lt=rng.until,
    ).annotate(
        v=ExpressionWrapper(F("discharged_at") - F("admitted_at"), output_field=DurationField())
    )
    n_stays, (q1, med, q3) = _percentiles(stays)
    los = result("length_of_stay_median")
    los.total = Figure(None, n_stays, _days(med))
    los.extra = {"25th percentile": _days(q1), "75th percentile": _days(q3)}

    # 6. Inquiry to admission (median hours) and inquiries closed without admission by reason.
    first_admission = (
        Episode.objects.filter(
            patient=OuterRef("patient"), admitted_at__gte=OuterRef("received_at")
        )
        .order_by("admitted_at")
        .values("admitted_at")[:1]
    )
    waits = (
        Inquiry.objects.filter(
            facility_id__in=facility_ids,
            received_at__gte=rng.since,
            received_at__lt=rng.until,
            patient__isnull=False,
        )
        .annotate(admitted=Subquery(first_admission))
        .filter(admitted__isnull=False)
        .annotate(
            v=ExpressionWrapper(F("admitted") - F("received_at"), output_field=DurationField())
        )
    )
    n_waits, (median_wait,) = _percentiles(waits, (0.5,))
    wait = result("inquiry_to_admission_hours")
    wait.total = Figure(None, n_waits, _hours(median_wait))
    closed = (
        Inquiry.objects.filter(
            facility_id__in=facility_ids,
            status=Inquiry.Status.CLOSED,
            closed_at__gte=rng.since,
            closed_at__lt=rng.until,
            patient__isnull=True,
        )
        .values("closed_reason")
        .annotate(n=Count("pk"))
        .order_by("closed_reason")
    )
    labels = dict(Inquiry.CloseReason.choices)
    by_reason = {
        labels.get(r["closed_reason"], r["closed_reason"] or "No reason"): r["n"] for r in closed
    }
    inq = result("inquiries_closed")
    inq.total = _figure(COUNT, sum(by_reason.values()), None)
    inq.extra = by_reason

    # 7. Bed occupancy by unit.
    _occupancy(rng, facility_ids, result("bed_occupancy"))

    # 8. Controlled-substance count discrepancies opened and resolved, by month.
    for key, column in (
        ("discrepancies_opened", "opened_at"),
        ("discrepancies_resolved", "resolved_at"),
    ):
        r = result(key)
        d_rows = (
            Discrepancy.objects.filter(
                facility_id__in=facility_ids,
                **{f"{column}__gte": rng.since, f"{column}__lt": rng.until},
            )
            .annotate(m=TruncMonth(column))
            .values("m")
            .annotate(n=Count("pk"))
            .order_by()
        )
        n_all = 0
        for row in d_rows:
            r.months[_month(row["m"])] = _figure(COUNT, row["n"], None)
            n_all += row["n"]
        r.total = _figure(COUNT, n_all, None)
    still_open = Discrepancy.objects.filter(
        facility_id__in=facility_ids, opened_at__lt=rng.until
    ).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=rng.until))
    result("discrepancies_resolved").extra = {"open at the end of the range": still_open.count()}

    ordered = [results[m.key] for m in MEASURES]
    return Report(range=rng, months=months, measures=ordered)


def _occupancy(rng: Range, facility_ids: list[int], r: MeasureResult) -> None:
    """Occupied bed-days over available bed-days, per unit and in all (two queries)."""
    until = min(rng.until, timezone.now())
    since = rng.since
    if until <= since:
        r.total = Figure(0, 0, None)
        return
    end = Value(until, output_field=DateTimeField())
    start = Value(since, output_field=DateTimeField())
    occupied = (
        Episode.objects.filter(
            facility_id__in=facility_ids, bed__isnull=False, admitted_at__lt=until
        )
        .filter(Q(discharged_at__isnull=True) | Q(discharged_at__gt=since))
        .values("facility_id")
        .annotate(
            v=Sum(
                ExpressionWrapper(
                    Least(Coalesce("discharged_at", end), end) - Greatest("admitted_at", start),
                    output_field=DurationField(),
                )
            )
        )
        .order_by()
    )
    used = {row["facility_id"]: row["v"] for row in occupied}
    days = (until - since).total_seconds() / 86400
    beds = (
        Bed.objects.filter(facility_id__in=facility_ids)
        .values("facility_id", "facility__name")
        .annotate(n=Count("pk"))
        .order_by("facility__name")
    )
    total_used = total_available = 0
    for row in beds:
        bed_days = round((used.get(row["facility_id"]) or timedelta()).total_seconds() / 86400)
        available = round(row["n"] * days)
        total_used, total_available = total_used + bed_days, total_available + available
        share = round(100 * bed_days / available, 1) if available else None
        r.extra[row["facility__name"]] = f"{share} %" if share is not None else None
    r.total = _figure(PERCENT, total_used, total_available)


def _days(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)
