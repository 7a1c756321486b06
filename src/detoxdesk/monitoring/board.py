"""What the census board and chart show: the latest scores and vitals, and what is due.

Everything is derived from the stored data at read time; nothing is scheduled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from detoxdesk.clinical import vitals
from detoxdesk.clinical.due import Due, next_due
from detoxdesk.clinical.vitals import CriticalFlag, VitalFlag
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.monitoring.policy import vital_ranges
from detoxdesk.patients.models import Episode, Program

# The clinician-scored scales that make an assessment "done" for the due clock.
SCHEDULED_SCALES = (Scale.COWS, Scale.CIWA_AR)


@dataclass(frozen=True)
class BoardRow:
    episode: Episode
    day_of_stay: int
    cows: Assessment | None
    ciwa_ar: Assessment | None
    vitals: VitalSigns | None
    vital_flags: Sequence[VitalFlag]
    due: Due
    critical: Sequence[Critical] = ()


@dataclass(frozen=True)
class Critical:
    """A vital sign in a NEWS2 band that scores 3, as staff read it on the board and the chart.

    ``text`` is the short form ("Critical: Respiratory rate 4 /min"); ``flag`` is the engine's
    finding, whose message names the band and its source.
    """

    flag: CriticalFlag
    text: str

    @property
    def key(self) -> str:
        return self.flag.field


LATEST: dict[str, tuple[type[Assessment] | type[VitalSigns], str, dict[str, object]]] = {
    "latest_cows_id": (Assessment, "-performed_at", {"scale": Scale.COWS}),
    "latest_ciwa_id": (Assessment, "-performed_at", {"scale": Scale.CIWA_AR}),
    "latest_scheduled_id": (Assessment, "-performed_at", {"scale__in": SCHEDULED_SCALES}),
    "latest_vitals_id": (VitalSigns, "-measured_at", {}),
}


def with_latest(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Annotate each episode with the ids of its latest COWS, CIWA-Ar, scheduled score, vitals."""
    annotations = {}
    for name, (model, order, filters) in LATEST.items():
        rows = model._default_manager.filter(episode=OuterRef("pk"), **filters).order_by(order)
        annotations[name] = Subquery(rows.values("pk")[:1])
    return episodes.annotate(**annotations)


def _annotated(episode: Episode, name: str) -> int | None:
    value = episode.__dict__.get(name)
    return int(value) if value is not None else None


def board_rows(episodes: QuerySet[Episode], now: datetime) -> list[BoardRow]:
    """One row per episode, in three queries whatever the number of episodes."""
    rows = list(with_latest(episodes).select_related("patient", "bed", "facility__program"))
    assessment_ids = {
        _annotated(e, name)
        for e in rows
        for name in ("latest_cows_id", "latest_ciwa_id", "latest_scheduled_id")
    }
    vitals_ids = {_annotated(e, "latest_vitals_id") for e in rows}
    assessments = Assessment.objects.in_bulk([i for i in assessment_ids if i is not None])
    vital_rows = VitalSigns.objects.in_bulk([i for i in vitals_ids if i is not None])
    return [_row(e, assessments, vital_rows, now) for e in rows]


def _row(
    episode: Episode,
    assessments: dict[int, Assessment],
    vital_rows: dict[int, VitalSigns],
    now: datetime,
) -> BoardRow:
    program: Program = episode.facility.program
    scheduled = assessments.get(_annotated(episode, "latest_scheduled_id") or 0)
    latest_vitals = vital_rows.get(_annotated(episode, "latest_vitals_id") or 0)
    return BoardRow(
        episode=episode,
        day_of_stay=episode.day_of_stay(now),
        cows=assessments.get(_annotated(episode, "latest_cows_id") or 0),
        ciwa_ar=assessments.get(_annotated(episode, "latest_ciwa_id") or 0),
        vitals=latest_vitals,
        vital_flags=flags_for(latest_vitals, program),
        critical=critical_for(latest_vitals),
        due=next_due(
            episode.assessment_interval(program),
            scheduled.performed_at if scheduled else None,
            episode.admitted_at,
            now,
        ),
    )


def _values(row: VitalSigns) -> dict[str, int | float | None]:
    return {
        "heart_rate": row.heart_rate,
        "systolic": row.systolic,
        "diastolic": row.diastolic,
        "respiratory_rate": row.respiratory_rate,
        "temperature_c": float(row.temperature_c) if row.temperature_c is not None else None,
        "spo2": row.spo2,
    }


def flags_for(row: VitalSigns | None, program: Program) -> list[VitalFlag]:
    """The program's own flag ranges crossed by ``row`` (none unless the program set some)."""
    if row is None:
        return []
    return vitals.flag_vitals(_values(row), vital_ranges(program))


def critical_for(row: VitalSigns | None) -> tuple[Critical, ...]:
    """The signs of ``row`` in a NEWS2 band scoring 3 (rcp-news2-2017), in field order."""
    if row is None:
        return ()
    labels = {field.key: field for field in vitals.fields()}
    found = []
    for flag in vitals.critical_flags(_values(row)):
        field = labels[flag.field]
        value = f"{flag.value:.1f}" if field.decimal else f"{flag.value:.0f}"
        found.append(Critical(flag, f"Critical: {field.label} {value} {field.unit}"))
    return tuple(found)
