"""Reading taper plans: the active plan, its calendar, the symptom-aware hold flag, MME.

Other apps code against :func:`active_plan` and :func:`calendar_days` (the patient portal shows the
calendar with ``templates/tapers/_calendar.html``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from detoxdesk.clinical import mme, taper, taper_hold
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.intake.models import Evaluation
from detoxdesk.medications.models import PatientFacts
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients.models import Episode, Patient, Program
from detoxdesk.tapers.models import PrescribedOpioid, TaperPlan, TaperSettings


def settings_for(program: Program) -> TaperSettings:
    """The program's taper settings; an unsaved all-unset row until a director saves them."""
    found = TaperSettings.objects.filter(program=program).first()
    return found or TaperSettings(program=program)


def diazepam_equivalents(rules: TaperSettings) -> tuple[taper.DiazepamEquivalent, ...]:
    """The program's diazepam-equivalent table for the engine; empty (unset) as shipped."""
    return tuple(
        taper.DiazepamEquivalent(row["drug"], Decimal(row["diazepam_per_unit"]), row["source"])
        for row in rules.diazepam_equivalents or []
    )


def active_plan(patient: Patient) -> TaperPlan | None:
    """The patient's signed plan that is running or held (the latest one), or None."""
    return (
        TaperPlan.objects.filter(patient=patient, status__in=_LIVE)
        .select_related("signed_by")
        .order_by("-signed_at", "-pk")
        .first()
    )


_LIVE = (TaperPlan.Status.ACTIVE, TaperPlan.Status.HELD)


def pregnancy(episode: Episode) -> bool | None:
    """Whether the patient is pregnant, for the taper engine: True when the medication facts or
    the latest evaluation say so, False when the evaluation says not, None when not known.

    The medication facts hold only a yes (their "no" is also the value of a form never filled
    in), so a no comes from the evaluation's tri-state answer.
    """
    facts = PatientFacts.objects.filter(episode=episode).only("pregnant").first()
    if facts is not None and facts.pregnant is True:
        return True
    evaluations = Evaluation.objects.filter(patient_id=episode.patient_id).order_by(
        "-created_at", "-pk"
    )
    evaluation = evaluations.filter(episode=episode).first() or evaluations.first()
    answer = evaluation.answers.get("pregnant") if evaluation is not None else None
    return answer if isinstance(answer, bool) else None


@dataclass(frozen=True)
class CalendarDay:
    """One day of a plan as the patient and the nurse see it."""

    date: date
    daily_dose: Decimal
    unit: str
    held: bool
    shifted: bool
    edited: bool
    rounded: bool
    is_reduction: bool
    pending_hold: bool
    expect: str

    @property
    def is_zero(self) -> bool:
        return self.daily_dose == 0


def _expect(held: bool, dose: Decimal, reduction: bool, first: bool) -> str:
    if first and not held and not reduction:
        key = "expect_start"
    elif held:
        key = "expect_held"
    elif dose == 0:
        key = "expect_zero"
    else:
        key = "expect_reduction" if reduction else "expect_steady"
    return taper.note(key).text


def _pending_days(plan: TaperPlan, today: date) -> int:
    """Days a hold still open would last if the plan resumed tomorrow (at least one)."""
    if plan.status != TaperPlan.Status.HELD or plan.held_from is None:
        return 0
    return max(1, (today - plan.held_from).days + 1)


def _pending_steps(plan: TaperPlan, today: date) -> list[dict[str, Any]]:
    """The stored steps with an open hold laid in as if the plan resumed tomorrow."""
    days = _pending_days(plan, today)
    steps: list[dict[str, Any]] = list(plan.steps)
    if not days or plan.held_from is None:
        return steps
    start = plan.held_from.isoformat()
    index = next((i for i, s in enumerate(steps) if s["date"] >= start), len(steps))
    level = steps[max(index - 1, 0)]
    held = [
        {**level, "date": (plan.held_from + timedelta(days=n)).isoformat(), "pending": True}
        for n in range(days)
    ]
    moved = [
        {**s, "date": (date.fromisoformat(s["date"]) + timedelta(days=days)).isoformat()}
        for s in steps[index:]
    ]
    return steps[:index] + held + moved


def _first_shift(steps: list[dict[str, Any]]) -> date | None:
    """The day after the first held day: from there on, dates have moved."""
    held = [date.fromisoformat(s["date"]) for s in steps if s.get("held") or s.get("pending")]
    return min(held) if held else None


def calendar_days(plan: TaperPlan, today: date | None = None) -> list[CalendarDay]:
    """Every day of ``plan`` from its start to its first day at zero, holds laid in.

    A day is ``shifted`` when a hold before it moved it later; an open hold is shown as if the
    plan resumed tomorrow (``pending_hold``), so the dates after it are provisional.
    """
    today = today or timezone.localdate()
    steps = _pending_steps(plan, today)
    shift_from = _first_shift(steps)
    days: list[CalendarDay] = []
    previous = Decimal(plan.current_daily_dose)
    for step in steps:
        dose, day = Decimal(step["daily_dose"]), date.fromisoformat(step["date"])
        held, pending = bool(step.get("held")), bool(step.get("pending"))
        reduction = dose < previous
        days.append(
            CalendarDay(
                date=day,
                daily_dose=dose,
                unit=plan.unit,
                held=held or pending,
                shifted=shift_from is not None and day > shift_from and not (held or pending),
                edited=bool(step.get("edited")),
                rounded=bool(step.get("rounded")),
                is_reduction=reduction,
                pending_hold=pending,
                expect=_expect(held or pending, dose, reduction, not days),
            )
        )
        previous = dose
    return days


def next_reduction(plan: TaperPlan, today: date | None = None) -> CalendarDay | None:
    """The first reduction after today, or None when no reduction is left."""
    today = today or timezone.localdate()
    return next((d for d in calendar_days(plan, today) if d.date > today and d.is_reduction), None)


@dataclass(frozen=True)
class HoldFlag:
    """Whether the next reduction is flagged for a hold, why, and whether a threshold is set."""

    flagged: bool
    reasons: tuple[str, ...]
    threshold_set: bool


def _since(plan: TaperPlan) -> datetime | None:
    return taper_hold.counts_since(plan.signed_at, plan.resumed_at)


def _thresholds(rules: TaperSettings) -> taper_hold.HoldThresholds:
    return taper_hold.HoldThresholds(rules.hold_cows_at, rules.hold_sows_at, rules.flag_on_hard_day)


def _latest_crossing(
    plan: TaperPlan, scale: str, at: int | None, since: datetime | None
) -> taper_hold.Score | None:
    """The latest score of ``scale`` that crosses ``at`` (``total >= at``, as in the database)."""
    if at is None or plan.episode_id is None:
        return None
    rows = Assessment.objects.filter(episode_id=plan.episode_id, scale=scale, total__gte=at)
    if since is not None:
        rows = rows.filter(performed_at__gte=since)
    latest = rows.order_by("-performed_at").first()
    if latest is None:
        return None
    when = timezone.localtime(latest.performed_at)
    return taper_hold.Score(str(latest.get_scale_display()), latest.total, when)


def _latest_hard_day(
    plan: TaperPlan, rules: TaperSettings, since: datetime | None
) -> datetime | None:
    if not rules.flag_on_hard_day:
        return None
    reports = plan.hard_days.all()
    if since is not None:
        reports = reports.filter(reported_at__gte=since)
    latest = reports.first()
    return timezone.localtime(latest.reported_at) if latest is not None else None


def hold_flag(plan: TaperPlan, rules: TaperSettings) -> HoldFlag:
    """Whether recent scores or the patient's own report cross the program's hold threshold
    (the rule: :mod:`detoxdesk.clinical.taper_hold`)."""
    since = _since(plan)
    thresholds = _thresholds(rules)
    scores = [
        (_latest_crossing(plan, scale, at, since), at)
        for scale, at in ((Scale.COWS, thresholds.cows_at), (Scale.SOWS, thresholds.sows_at))
    ]
    reasons = taper_hold.hold_reasons(thresholds, scores, _latest_hard_day(plan, rules, since))
    return HoldFlag(bool(reasons), reasons, thresholds.score_threshold_set)


def current_opioids(patient: Patient) -> list[PrescribedOpioid]:
    """The patient's prescribed opioids not marked stopped."""
    return list(PrescribedOpioid.objects.filter(patient=patient, stopped_on__isnull=True))


def medication_of(row: PrescribedOpioid) -> mme.Medication:
    per_day = None if row.unit in mme.RATE_UNITS else row.doses_per_day
    return mme.Medication(row.drug, Decimal(row.dose), row.unit, per_day)


def patient_mme(rows: list[PrescribedOpioid], rules: TaperSettings) -> mme.MmeResult | None:
    """MME of the patient's current opioids with the program's methadone factors, or None."""
    if not rows:
        return None
    try:
        return mme.calculate(
            [medication_of(row) for row in rows], methadone_factors=rules.methadone_factors
        )
    except InvalidInput:
        return None
