"""The quality report, computed in the database: one code path for the page, the command and tests.

Every figure is an aggregate (conditional ``Count`` grouped by month); medians and quartiles use
the nearest-rank method with a window function (``RowNumber``), which reads the same on SQLite and
PostgreSQL. Nothing loads episodes into Python: each query returns one row per month, or the few
rows at the percentile ranks.

Over years of data no figure costs a look-up per row: bundle items and hand-offs are uncorrelated
``IN`` lists (read once per query), the readmission starts from the patient's next admission
(``LEAD``) and the previous assessment from ``LAG``; a correlated look-up remains only for the
rare rows those cannot settle (overlapping stays, assessments at the same moment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
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
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    Greatest,
    Lag,
    Lead,
    Least,
    RowNumber,
    TruncMonth,
)
from django.db.models.lookups import GreaterThan, IsNull
from django.utils import timezone

from detoxdesk.aftercare.models import Appointment, BundleItem, Discharge, DischargeKind, FollowUp
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


def _items(code: str, status: str, **details: str) -> QuerySet[BundleItem]:
    return BundleItem.objects.filter(
        code=code, status=status, **{f"details__{k}": v for k, v in details.items()}
    )


def _item(items: QuerySet[BundleItem]) -> Q:
    """The discharge has a bundle item among ``items``.

    An uncorrelated ``IN`` list: the database reads the items once per query (PostgreSQL hashes
    them), instead of joining every item row and counting discharges distinct.
    """
    return Q(pk__in=items.values("discharge_id"))


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
    window = rules.warm_handoff_window().length
    handoff = Appointment.objects.filter(
        is_warm_handoff=True,
        when__lte=ExpressionWrapper(
            F("discharge__episode__discharged_at") + Value(window, output_field=DurationField()),
            output_field=DateTimeField(),
        ),
    )
    done, declined = BundleItem.Status.DONE, BundleItem.Status.DECLINED
    conditions: dict[str, Q] = {key: Q(kind=kind) for key, kind in _KINDS.items()}
    conditions.update(
        moud_at_discharge=_item(_items("moud", done)),
        moud_declined=_item(_items("moud", declined)),
        moud_referred=_item(_items("moud", done, moud_option="methadone")),
        moud_started_or_continued=_item(
            _items("moud", done).exclude(details__moud_option="methadone")
        ),
        naloxone_at_discharge=_item(_items("naloxone", done)),
        naloxone_declined=_item(_items("naloxone", declined)),
        naloxone_dispensed=_item(_items("naloxone", done, naloxone_how="dispensed")),
        naloxone_prescribed=_item(_items("naloxone", done, naloxone_how="prescribed")),
        warm_handoff_72h=Q(pk__in=handoff.values("discharge_id")),
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


def _assessment_windows(rng: Range, facility_ids: list[int]) -> QuerySet[Assessment]:
    """Assessments up to the range's end, each with its episode's previous assessment.

    ``previous_at`` is the latest earlier assessment time in the episode: the one before it in
    time (``LAG`` over the episode's assessments) when that is earlier; only for two assessments
    at the same moment does the database look further back. ``due_by`` is the latest time the
    previous one could have been for this one to be on time, ``performed_at - interval`` (null
    when no interval is set). The window reads assessments before the range too, so the range's
    start is checked outside it.
    """

    def before() -> Window:
        return Window(
            Lag("performed_at"),
            partition_by=[F("episode_id")],
            order_by=F("performed_at").asc(),  # in either order, ties end up looked up
        )

    earlier = (
        Assessment.objects.filter(
            episode=OuterRef("episode"), performed_at__lt=OuterRef("performed_at")
        )
        .order_by("-performed_at")
        .values("performed_at")[:1]
    )
    return (
        Assessment.objects.filter(
            episode_id__in=Episode.objects.filter(facility_id__in=facility_ids).values("pk"),
            performed_at__lt=rng.until,
        )
        .order_by()
        .annotate(
            previous_at=Case(
                When(IsNull(before(), True), then=Value(None, output_field=DateTimeField())),
                When(GreaterThan(F("performed_at"), before()), then=before()),
                default=Subquery(earlier),
                output_field=DateTimeField(),
            ),
            due_by=ExpressionWrapper(F("performed_at") - _interval(), output_field=DateTimeField()),
        )
    )


def assessments(
    rng: Range, facility_ids: list[int], *, on_time: bool = False
) -> QuerySet[Assessment]:
    """Assessments in the range with a previous one in their episode and an interval set.

    With ``on_time``, only those done within the interval after the previous one.
    """
    windows = _assessment_windows(rng, facility_ids)
    if on_time:
        windows = windows.filter(Q(previous_at__gte=F("due_by")))
    else:
        windows = windows.filter(Q(previous_at__isnull=False) & Q(due_by__isnull=False))
    return Assessment.objects.filter(
        performed_at__gte=rng.since, performed_at__lt=rng.until, pk__in=windows.values("pk")
    )


# Counted: in the range, with a previous assessment and an interval. The conditions sit in the sums,
# not in a WHERE clause, so that PostgreSQL knows how many rows it groups and hashes them.
_COUNTED = "CASE WHEN w.in_range = 1 AND w.previous_at IS NOT NULL AND w.due_by IS NOT NULL"
_SUMS = (
    f"SUM({_COUNTED} THEN 1 ELSE 0 END), "
    f"SUM({_COUNTED} AND w.previous_at >= w.due_by THEN 1 ELSE 0 END)"
)


def _assessments_by_month(rng: Range, facility_ids: list[int]) -> list[tuple[Any, int, int]]:
    """(month, assessments counted, on time) rows: the window query, grouped by month (one query).

    The ORM cannot group over a window, so its SQL is wrapped in a plain ``GROUP BY`` that
    reads the same on SQLite and PostgreSQL.
    """
    windows = (
        _assessment_windows(rng, facility_ids)
        .annotate(
            m=TruncMonth("performed_at"),
            in_range=Case(
                When(performed_at__gte=rng.since, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("m", "in_range", "previous_at", "due_by")
    )
    sql, params = windows.query.get_compiler(using=windows.db).as_sql()
    # The ORM's compiled SQL, wrapped; every value stays a parameter.
    wrapped = f"SELECT w.m, {_SUMS} FROM ({sql}) w GROUP BY w.m"  # noqa: S608
    with connections[windows.db].cursor() as cursor:
        cursor.execute(wrapped, params)
        return [(m, int(n), int(ok)) for m, n, ok in cursor.fetchall() if n]


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


def build_report(rng: Range, facility_ids: list[int]) -> Report:
    months = month_list(rng)
    results: dict[str, MeasureResult] = {}

    def result(key: str) -> MeasureResult:
        m = BY_KEY[key]
        return results.setdefault(key, MeasureResult(m.key, m.label, m.unit, Figure(0, None, 0.0)))

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
    conds = discharge_conditions()
    names = [*DISCHARGE_MEASURES, *DETAIL_COUNTS]
    dis_rows = (
        discharges(rng, facility_ids)
        .annotate(m=TruncMonth("episode__discharged_at"))
        .values("m")
        .annotate(
            all=Count("pk"),
            **{k: Count("pk", filter=conds[k]) for k in names},
        )
        .order_by()
    )
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
    for month, n, ok in _assessments_by_month(rng, facility_ids):
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
