"""The shift handoff of one unit (or facility): a printable row per active episode.

Each row holds the bed, day of stay, latest COWS and CIWA-Ar with the one before (the trend),
the doses and PRNs recorded in the shift, the alerts (possible precipitated withdrawal with its
review, critical vital signs, overdue assessments and doses), what is due next, the last nursing
note (``notes.queries.last_nursing_notes``), the allergies and the code status. Everything is
read for the whole unit at once: the number of queries does not grow with the number of patients
(pinned in tests at two sizes).

Shift boundaries are the program's medication settings (``shift_starts``, not clinical numbers;
07:00 and 19:00 when the program has chosen none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from detoxdesk.board import census
from detoxdesk.clinical import induction
from detoxdesk.clinical.due import Due, next_due
from detoxdesk.medications import schedule
from detoxdesk.medications.describe import drug_label
from detoxdesk.medications.mar import Shift, shift_containing
from detoxdesk.medications.models import (
    Administration,
    AlertReview,
    MedicationSettings,
    Order,
    OrderLine,
)
from detoxdesk.medications.policy import program_policy, shift_starts
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.notes.queries import NoteSummary, last_nursing_notes
from detoxdesk.patients.models import Allergy, Episode, Program

# How far past the end of the shift "due next" looks for a scheduled dose. Not clinical: it only
# bounds the read, a dose further away is not news for the next shift.
DUE_AHEAD = timedelta(hours=24)


@dataclass(frozen=True)
class Score:
    scale: str
    total: int
    band_label: str
    performed_at: datetime
    previous: int | None

    @property
    def trend(self) -> str:
        """``up``, ``down`` or ``same`` against the score before it; empty for a first score."""
        if self.previous is None:
            return ""
        if self.total == self.previous:
            return "same"
        return "up" if self.total > self.previous else "down"


@dataclass(frozen=True)
class Dose:
    at: datetime
    drug: str
    dose_mg: Decimal | None
    outcome: str
    reason: str
    prn: bool


@dataclass(frozen=True)
class Alert:
    text: str
    review: str = ""  # who reviewed it, when, and their note; empty when not reviewed
    reviewable: bool = False


@dataclass
class HandoffRow:
    episode: Episode
    name: str
    record_number: str
    bed: str | None
    day_of_stay: int
    scores: list[Score]
    doses: list[Dose] = field(default_factory=list)
    prns: list[Dose] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    next_assessment: Due | None = None
    next_dose: tuple[datetime, str, Decimal] | None = None
    note: NoteSummary | None = None
    allergies: list[str] = field(default_factory=list)
    allergy_state: str = "unknown"
    code_status: str = Episode.CodeStatus.NOT_RECORDED
    code_status_label: str = ""
    code_status_note: str = ""


def current_shift(
    program: Program, moment: datetime, settings: MedicationSettings
) -> tuple[Shift, list[time]]:
    """The program's shift around ``moment`` (in the program's time zone) and its start times."""
    starts = shift_starts(settings)
    tz = ZoneInfo(program.timezone)
    return shift_containing(moment.astimezone(tz), starts), starts


def _nth(scale: str, n: int) -> Subquery:
    rows = Assessment.objects.filter(episode=OuterRef("pk"), scale=scale).order_by(
        "-performed_at", "-pk"
    )
    return Subquery(rows.values("pk")[n : n + 1])


def _first_buprenorphine() -> Subquery:
    rows = Administration.objects.filter(
        episode=OuterRef("pk"), drug="buprenorphine", outcome=Administration.Outcome.GIVEN
    ).order_by("occurred_at", "pk")
    return Subquery(rows.values("pk")[:1])


def _cows_around(after: bool) -> Subquery:
    cows = Assessment.objects.filter(episode=OuterRef("episode_id"), scale=Scale.COWS)
    if after:
        rows = cows.filter(performed_at__gt=OuterRef("occurred_at")).order_by("performed_at")
    else:
        rows = cows.filter(performed_at__lte=OuterRef("occurred_at")).order_by("-performed_at")
    return Subquery(rows.values("pk")[:1])


def build(
    episodes: QuerySet[Episode],
    program: Program,
    settings: MedicationSettings,
    shift: Shift,
    now: datetime,
) -> list[HandoffRow]:
    """The handoff rows of ``episodes`` (ordered by bed, then name) for ``shift``."""
    found = list(
        episodes.select_related("patient", "bed", "facility")
        .annotate(
            cows_id=_nth(Scale.COWS, 0),
            cows_prev_id=_nth(Scale.COWS, 1),
            ciwa_id=_nth(Scale.CIWA_AR, 0),
            ciwa_prev_id=_nth(Scale.CIWA_AR, 1),
            vitals_id=Subquery(
                VitalSigns.objects.filter(episode=OuterRef("pk"))
                .order_by("-measured_at")
                .values("pk")[:1]
            ),
            first_bup_id=_first_buprenorphine(),
        )
        .order_by("bed__label", "patient__family_name", "patient__given_name", "pk")
    )
    if not found:
        return []
    for episode in found:
        episode.facility.program = program  # one program object for every row
    ids = [e.pk for e in found]
    first_doses = _first_doses([e.first_bup_id for e in found if e.first_bup_id])
    scores = _assessments(found, first_doses)
    rows = [_row(e, scores, now) for e in found]
    by_id = {row.episode.pk: row for row in rows}
    _add_vitals(found, by_id, program)
    _add_doses(ids, by_id, shift)
    _add_next_doses(ids, by_id, shift, now)
    _add_precipitated(first_doses, scores, by_id, settings)
    _add_allergies(found, by_id)
    for episode_id, note in last_nursing_notes(ids).items():
        by_id[episode_id].note = note
    return rows


def _first_doses(ids: list[int]) -> list[Administration]:
    if not ids:
        return []
    return list(
        Administration.objects.filter(pk__in=ids).annotate(
            before_id=_cows_around(after=False), after_id=_cows_around(after=True)
        )
    )


def _assessments(
    episodes: Sequence[Episode], first_doses: list[Administration]
) -> dict[int, Assessment]:
    keys = ("cows_id", "cows_prev_id", "ciwa_id", "ciwa_prev_id")
    wanted = {getattr(e, k) for e in episodes for k in keys}
    wanted |= {getattr(d, k) for d in first_doses for k in ("before_id", "after_id")}
    wanted.discard(None)
    if not wanted:
        return {}
    return {a.pk: a for a in Assessment.objects.filter(pk__in=wanted).defer("items")}


def _score(scores: dict[int, Assessment], latest: int | None, previous: int | None) -> Score | None:
    found = scores.get(latest) if latest else None
    if found is None:
        return None
    before = scores.get(previous) if previous else None
    return Score(
        found.get_scale_display(),
        found.total,
        found.band_label,
        found.performed_at,
        before.total if before else None,
    )


def _row(e: Any, scores: dict[int, Assessment], now: datetime) -> HandoffRow:
    cows = _score(scores, e.cows_id, e.cows_prev_id)
    ciwa = _score(scores, e.ciwa_id, e.ciwa_prev_id)
    shown = [s for s in (cows, ciwa) if s is not None]
    due = next_due(
        e.assessment_interval(e.facility.program),
        max((s.performed_at for s in shown), default=None),
        e.admitted_at,
        now,
    )
    patient = e.patient
    row = HandoffRow(
        episode=e,
        name=f"{patient.family_name}, {patient.given_name}",
        record_number=patient.record_number,
        bed=e.bed.label if e.bed else None,
        day_of_stay=e.day_of_stay(now),
        scores=shown,
        next_assessment=due,
        allergy_state="none_known" if patient.no_known_allergies_at else "unknown",
        code_status=e.code_status,
        code_status_label=e.get_code_status_display(),
        code_status_note=e.code_status_note,
    )
    if due.overdue_by is not None:
        row.alerts.append(Alert(f"Assessment overdue since {_hm(due.due_at)}"))
    return row


def _hm(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def _add_vitals(episodes: list[Any], rows: dict[int, HandoffRow], program: Program) -> None:
    ids = [e.vitals_id for e in episodes if e.vitals_id]
    if not ids:
        return
    ranges = census._ranges(program.vital_ranges)
    signs = VitalSigns.objects.filter(pk__in=ids).values(*census.VITAL_FIELDS, "episode_id")
    for sign in signs:
        cell = census.vitals_cell(sign, ranges)
        for text in cell["critical"]:
            rows[sign["episode_id"]].alerts.append(
                Alert(f"{text} (vital signs at {_hm(sign['measured_at'])})")
            )


def _add_doses(ids: list[int], rows: dict[int, HandoffRow], shift: Shift) -> None:
    recorded = (
        Administration.objects.filter(
            episode_id__in=ids, occurred_at__gte=shift.start, occurred_at__lt=shift.end
        )
        .values(
            "episode_id",
            "occurred_at",
            "drug",
            "dose_mg",
            "outcome",
            "reason",
            "order__prn_indication",
        )
        .order_by("occurred_at", "pk")
    )
    outcomes = dict(Administration.Outcome.choices)
    for r in recorded:
        prn = bool(r["order__prn_indication"])
        dose = Dose(
            r["occurred_at"],
            drug_label(r["drug"]),
            r["dose_mg"],
            outcomes.get(r["outcome"], r["outcome"]),
            r["reason"],
            prn,
        )
        (rows[r["episode_id"]].prns if prn else rows[r["episode_id"]].doses).append(dose)


def _add_next_doses(
    ids: list[int], rows: dict[int, HandoffRow], shift: Shift, now: datetime
) -> None:
    """The first scheduled dose not yet recorded, from the start of the shift on; one before now
    (beyond the late-entry grace) is also an alert."""
    orders = list(
        Order.objects.filter(
            line__episode_id__in=ids, superseded_at=None, line__status=OrderLine.Status.ACTIVE
        )
        .exclude(times_of_day=[])
        .select_related("line__episode__facility__program")
    )
    if not orders:
        return
    end = shift.end + DUE_AHEAD
    recorded = set(
        Administration.objects.filter(
            line_id__in={o.line_id for o in orders},
            scheduled_for__gte=shift.start,
            scheduled_for__lt=end,
        ).values_list("line_id", "scheduled_for")
    )
    pending: dict[int, list[tuple[datetime, str, Decimal]]] = defaultdict(list)
    for order in orders:
        for due in schedule.due_doses(order, shift.start, end):
            if (order.line_id, due.at) not in recorded:
                pending[order.line.episode_id].append((due.at, drug_label(order.drug), due.dose_mg))
    grace = timedelta(minutes=django_settings.LATE_ENTRY_MINUTES)
    for episode_id, doses in pending.items():
        doses.sort()
        row = rows[episode_id]
        row.next_dose = doses[0]
        late = [d for d in doses if d[0] < now - grace]
        if late:
            row.alerts.append(
                Alert(f"{len(late)} scheduled dose{'s' if len(late) > 1 else ''} overdue")
            )
            row.next_dose = next((d for d in doses if d[0] >= now - grace), None)


def _add_precipitated(
    first_doses: list[Administration],
    scores: dict[int, Assessment],
    rows: dict[int, HandoffRow],
    settings: MedicationSettings,
) -> None:
    """The possible-precipitated-withdrawal alert (:mod:`medications.alerts`), for every row
    at once, with its review."""
    candidates = [d for d in first_doses if d.before_id and d.after_id]  # type: ignore[attr-defined]
    if not candidates:
        return
    policy = program_policy(settings)
    reviews = {
        (r.first_dose_id, r.assessment_id): r
        for r in AlertReview.objects.filter(first_dose__in=candidates).select_related("reviewed_by")
    }
    for dose in candidates:
        before, after = scores[dose.before_id], scores[dose.after_id]  # type: ignore[attr-defined]
        minutes = Decimal((after.performed_at - dose.occurred_at).total_seconds()) / 60
        screen = induction.screen_precipitated_withdrawal(
            before.total, after.total, minutes.quantize(Decimal(1)), policy
        )
        if not screen.alert:
            continue
        review = reviews.get((dose.pk, after.pk))
        seen = ""
        if review is not None:
            seen = f"Reviewed by {review.reviewed_by.display_name} at {_hm(review.reviewed_at)}"
            seen += f": {review.note}" if review.note else ""
        rows[dose.episode_id].alerts.append(
            Alert(
                f"Possible precipitated withdrawal: COWS {before.total} → {after.total} "
                f"after the first buprenorphine dose",
                review=seen,
                reviewable=review is None,
            )
        )


def _add_allergies(episodes: Sequence[Episode], rows: dict[int, HandoffRow]) -> None:
    by_patient = {e.patient_id: rows[e.pk] for e in episodes}
    entries = Allergy.objects.filter(
        patient_id__in=list(by_patient), removed_at__isnull=True
    ).order_by("recorded_at", "pk")
    for entry in entries:
        row = by_patient[entry.patient_id]
        row.allergy_state = "recorded"
        text = f"{entry.label} ({entry.reaction})" if entry.reaction else entry.label
        if entry.severity == Allergy.Severity.SEVERE:
            text += ", severe"
        row.allergies.append(text)
