"""Runs the clinical core's safety engine on a dose, with what the chart knows.

Earlier doses, the latest vitals and COWS, and the patient's facts are read from the database;
every rule is the clinical core's, the first-buprenorphine-dose gate included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from detoxdesk.clinical import dosing, findings
from detoxdesk.clinical.findings import Finding
from detoxdesk.medications.models import Administration, MedicationSettings, Order, PatientFacts
from detoxdesk.medications.policy import order_policy, program_policy, settings_for
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.patients.models import Episode

BUP_STANDARD = "bup_standard"


@dataclass(frozen=True)
class SafetyCheck:
    """The engine's result for one dose plus the first-dose gate, as shown before recording."""

    dose_mg: Decimal
    at: datetime
    decision: findings.Decision
    findings: tuple[Finding, ...]
    total_24h_mg: Decimal
    result: dosing.DoseCheck

    @property
    def stops(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "stop")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def fingerprint(self) -> str:
        """Identifies what was shown, so a confirmation applies to these findings only."""
        return ",".join(sorted(f.code for f in self.findings))

    def as_json(self) -> list[dict[str, str]]:
        return [f.as_json() for f in self.findings]


def facts_for(episode: Episode) -> PatientFacts | None:
    return PatientFacts.objects.filter(episode=episode).first()


def given_doses(episode: Episode, drug: str, at: datetime) -> list[Administration]:
    """Doses of ``drug`` given in the episode at or before ``at``, latest first."""
    return list(
        Administration.objects.filter(
            episode=episode,
            drug=drug,
            outcome=Administration.Outcome.GIVEN,
            occurred_at__lte=at,
        ).order_by("-occurred_at")
    )


def _latest_vitals(episode: Episode, at: datetime) -> dosing.VitalsReading | None:
    row = (
        VitalSigns.objects.filter(episode=episode, measured_at__lte=at)
        .order_by("-measured_at")
        .first()
    )
    if row is None:
        return None
    return dosing.VitalsReading(row.systolic, row.diastolic, row.heart_rate, row.measured_at)


def latest_cows(episode: Episode, at: datetime) -> Assessment | None:
    return (
        Assessment.objects.filter(episode=episode, scale=Scale.COWS, performed_at__lte=at)
        .order_by("-performed_at")
        .first()
    )


def _context(
    episode: Episode,
    facts: PatientFacts | None,
    first_day: bool,
    cows: Assessment | None,
    at: datetime,
    order: Order,
) -> dosing.DoseContext:
    last_use = facts.last_opioid_use_at if facts else None
    hours = None if last_use is None else Decimal((at - last_use).total_seconds()) / 3600
    return dosing.DoseContext(
        first_day=first_day,
        benzodiazepine_use=bool(facts and facts.benzodiazepine_use),
        qtc_ms=facts.qtc_ms if facts else None,
        child_pugh_score=facts.child_pugh_score if facts else None,
        egfr=facts.egfr if facts else None,
        weight_kg=facts.weight_kg if facts else None,
        cows_total=cows.total if cows else None,
        pregnant=bool(facts and facts.pregnant),
        allergies=(),  # ingredient codes: none until allergies are recorded by ingredient
        protocol="low_dose_initiation" if order.line.protocol == "bup_low_dose" else None,
        opioid_class=facts.opioid_class if facts and facts.opioid_class else None,
        hours_since_last_use=None if hours is None else max(hours, Decimal(0)),
    )


def check_administration(
    order: Order,
    dose_mg: Decimal,
    at: datetime,
    *,
    settings: MedicationSettings | None = None,
    with_vitals: bool = True,
    with_gate: bool = True,
    planned: Sequence[dosing.GivenDose] = (),
    first_day: bool | None = None,
) -> SafetyCheck:
    """The safety check for giving ``dose_mg`` of ``order`` at ``at``.

    Counts the doses of the same drug given in the episode before ``at``; "first day" means
    within 24 hours of the first dose of that drug in the episode (or no dose yet). When an
    order is signed, ``planned`` adds the doses it would give earlier that day, vitals are left
    out (they are checked at the bedside) and ``first_day`` may be fixed.
    """
    episode = order.line.episode
    settings = settings or settings_for(episode.facility.program)
    policy = order_policy(program_policy(settings), order)
    earlier = given_doses(episode, order.drug, at)
    if first_day is None:
        first_day = not earlier or at - earlier[-1].occurred_at < dosing.DAY
    facts, cows = facts_for(episode), latest_cows(episode, at)
    recent = [d for d in earlier if at - d.occurred_at < dosing.DAY + timedelta(minutes=1)]
    request = dosing.DoseRequest(
        drug=order.drug,
        dose_mg=dose_mg,
        at=at,
        given=tuple(dosing.GivenDose(d.given_mg, d.occurred_at) for d in recent) + tuple(planned),
        vitals=_latest_vitals(episode, at) if with_vitals else None,
        context=_context(episode, facts, first_day, cows, at, order),
    )
    result = dosing.check_dose(request, policy)
    found = list(result.findings)
    if not with_vitals:
        found = [f for f in found if not f.code.startswith("vitals_")]
    if not with_gate:  # the engine runs the first-dose gate; at signing it is not yet due
        found = [f for f in found if f.code not in dosing.FIRST_DOSE_GATE_CODES]
    return SafetyCheck(
        dose_mg=dose_mg,
        at=at,
        decision=findings.decision(found),
        findings=tuple(found),
        total_24h_mg=result.total_24h_mg,
        result=result,
    )
