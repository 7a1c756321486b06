"""Runs the clinical core's safety engine on a dose, with what the chart knows.

Earlier doses, the latest vitals and COWS, the patient's facts and the whole medication picture
(:mod:`detoxdesk.medications.picture`) are read from the database; every rule is the clinical
core's, including the first-buprenorphine-dose gate, whatever the order set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.clinical import dosing, findings, populations, products
from detoxdesk.clinical.findings import Finding
from detoxdesk.clinical.numbers import format_number
from detoxdesk.medications import schedule
from detoxdesk.medications.models import (
    Administration,
    MedicationSettings,
    Order,
    OrderLine,
    PatientFacts,
)
from detoxdesk.medications.picture import Picture
from detoxdesk.medications.picture import medication_picture as read_picture
from detoxdesk.medications.policy import order_policy, program_policy, settings_for
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.patients import allergies
from detoxdesk.patients.models import Episode, Patient

BUP_STANDARD = "bup_standard"
BUP_LOW_DOSE = "bup_low_dose"
# Order sets -> the protocol names of the dose-check engine (DoseContext.protocol).
PROTOCOLS = {BUP_STANDARD: "standard_start", BUP_LOW_DOSE: "low_dose_initiation"}
# The engine's first-buprenorphine-dose gate: a bedside check, left out when an order is signed.
GATE_CODES = dosing.FIRST_DOSE_GATE_CODES


@dataclass(frozen=True)
class SafetyCheck:
    """The engine's result for one dose plus the first-dose gate, as shown before recording."""

    dose_mg: Decimal
    at: datetime
    decision: findings.Decision
    findings: tuple[Finding, ...]
    total_24h_mg: Decimal
    result: dosing.DoseCheck
    vitals: dosing.VitalsReading | None = None

    @property
    def stops(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "stop")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def holds_not_configured(self) -> tuple[dosing.UnsetParameter, ...]:
        """The hold parameters of the drug that are not set, so no hold is checked for them
        (the engine names them ``hold_...``, or ``<drug>.hold_...`` for the policy's own)."""
        found: dict[str, dosing.UnsetParameter] = {}
        for item in self.result.unset:
            if item.name.rsplit(".", 1)[-1].startswith("hold_"):
                found.setdefault(item.message, item)
        return tuple(found.values())

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


@dataclass(frozen=True)
class Chart:
    """What the chart knows at ``at``, read once for any number of checks at that moment."""

    at: datetime
    facts: PatientFacts | None
    cows: Assessment | None
    vitals: dosing.VitalsReading | None
    picture: Picture
    given: Mapping[str, list[Administration]]  # drug -> doses given at or before, latest first
    allergies: tuple[str, ...]
    age_years: int | None = None


def read_chart(
    episode: Episode, at: datetime, drugs: Iterable[str], *, orders: list[Order] | None = None
) -> Chart:
    """The chart of ``episode`` at ``at`` for checks of ``drugs``, in a fixed number of queries."""
    given: dict[str, list[Administration]] = {drug: [] for drug in drugs}
    for row in Administration.objects.filter(
        episode=episode,
        drug__in=list(given),
        outcome=Administration.Outcome.GIVEN,
        occurred_at__lte=at,
    ).order_by("-occurred_at"):
        given[row.drug].append(row)
    return Chart(
        at=at,
        facts=facts_for(episode),
        cows=latest_cows(episode, at),
        vitals=_latest_vitals(episode, at),
        picture=read_picture(episode, at, orders=orders),
        given=given,
        allergies=allergy_codes(episode.patient),
        age_years=populations.age_on(episode.patient.date_of_birth, timezone.localdate(at)),
    )


@dataclass(frozen=True)
class OrderOverride:
    """The prescriber's override of stops recorded when the order was signed, and whether it
    covers the dose checked: the same stop codes only, the dose no larger than ordered and the
    24-hour total within the order's own limit (its maximum, else what it schedules that day,
    else one dose)."""

    by: User
    at: datetime
    reason: str
    codes: tuple[str, ...]
    covers: bool
    why_not: str = ""


def _order_daily_limit(order: Order, at: datetime) -> Decimal:
    if order.max_daily_mg is not None:
        return order.max_daily_mg
    if order.is_prn:
        return order.dose_mg
    day = schedule.local_date(order, at)
    return sum((d.dose_mg for d in schedule.doses_on_day(order, day)), Decimal(0))


def order_override(order: Order, check: SafetyCheck, ordered_mg: Decimal) -> OrderOverride | None:
    """The override on ``order`` as it applies to ``check`` (None when the order has none or the
    check has no stop). ``ordered_mg`` is the dose the order gives at that time."""
    if not order.sign_override_reason or not check.stops:
        return None
    codes = tuple(f["code"] for f in order.sign_findings if f.get("severity") == "stop")
    found = OrderOverride(order.signed_by, order.signed_at, order.sign_override_reason, codes, True)
    new = sorted({f.code for f in check.stops} - set(codes))
    limit = _order_daily_limit(order, check.at)
    if new:
        return replace(found, covers=False, why_not=f"It does not cover {', '.join(new)}.")
    if check.dose_mg > ordered_mg:
        return replace(found, covers=False, why_not="The dose is larger than ordered.")
    if check.total_24h_mg > limit:
        why = f"The 24-hour total would be above the {format_number(limit)} mg the order allows."
        return replace(found, covers=False, why_not=why)
    return found


def allergy_codes(patient: Patient) -> tuple[str, ...]:
    """The patient's allergies as ingredient codes (``clinical.products``), for the engine.

    The coded entries of the allergy record (``patients.allergies``). Entries copied from the
    former free-text field and not yet reviewed also count where they name an ingredient, so that
    an allergy recorded before the structured record existed is not silently dropped; a reviewed
    or newly typed "other substance" matches nothing.
    """
    coded = allergies.allergy_codes(patient)
    legacy = " ".join(allergies.unreviewed_legacy_texts(patient)).lower()
    if not legacy.strip():
        return coded
    words = set(re.findall(r"[a-z]+", legacy))
    named = tuple(
        code
        for code, label in products.ingredient_choices()
        if code in words or label.lower().split(" ")[0] in words
    )
    return tuple(dict.fromkeys(coded + named))


def protocol_of(line: OrderLine) -> str | None:
    """The engine's name of the protocol an order line came from, if it is one it knows."""
    return PROTOCOLS.get(line.protocol)


def _hours_since(moment: datetime | None, at: datetime) -> Decimal | None:
    if moment is None:
        return None
    return max(Decimal((at - moment).total_seconds()) / 3600, Decimal(0))


def _fentanyl(facts: PatientFacts | None) -> bool | None:
    if facts is None:
        return None
    if facts.opioid_class == PatientFacts.OpioidClass.FENTANYL:
        return True
    return facts.fentanyl_exposure


def _context(order: Order, chart: Chart, first_day: bool) -> dosing.DoseContext:
    facts, cows, at = chart.facts, chart.cows, chart.at
    return dosing.DoseContext(
        first_day=first_day,
        benzodiazepine_use=bool(facts and facts.benzodiazepine_use),
        qtc_ms=facts.qtc_ms if facts else None,
        qtc_measured_at=facts.qtc_measured_at if facts else None,
        child_pugh_score=facts.child_pugh_score if facts else None,
        egfr=facts.egfr if facts else None,
        weight_kg=facts.weight_kg if facts else None,
        cows_total=cows.total if cows else None,
        pregnant=facts.pregnant if facts else None,
        allergies=chart.allergies,
        protocol=protocol_of(order.line),
        active_medications=chart.picture.without(order.line_id),
        opioid_class=(facts.opioid_class or None) if facts else None,
        hours_since_last_use=_hours_since(facts.last_opioid_use_at if facts else None, at),
        fentanyl_exposure=_fentanyl(facts),
        age_years=chart.age_years,
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
    chart: Chart | None = None,
) -> SafetyCheck:
    """The safety check for giving ``dose_mg`` of ``order`` at ``at``.

    The engine receives the whole medication picture of the episode (but this order), the
    patient's facts and the doses of the same drug given over ``dosing.history_window``; "first
    day" means within 24 hours of the first dose of that drug in the episode (or no dose yet).
    When an order is signed, ``planned`` adds the doses it would give earlier that day, vitals
    and the first-dose gate are left out (they are bedside checks: a gate passed at signing must
    never cover a dose) and ``first_day`` may be fixed. ``chart`` may pass the chart already
    read at ``at`` (the medication record reads one for all its orders).
    """
    episode = order.line.episode
    settings = settings or settings_for(episode.facility.program)
    policy = order_policy(program_policy(settings), order)
    if chart is None or chart.at != at or order.drug not in chart.given:
        chart = read_chart(episode, at, [order.drug])
    earlier = chart.given[order.drug]
    if first_day is None:
        first_day = not earlier or at - earlier[-1].occurred_at < dosing.DAY
    window = dosing.history_window(policy) + timedelta(minutes=1)
    recent = [d for d in earlier if at - d.occurred_at < window]
    request = dosing.DoseRequest(
        drug=order.drug,
        dose_mg=dose_mg,
        at=at,
        given=tuple(dosing.GivenDose(d.given_mg, d.occurred_at) for d in recent) + tuple(planned),
        vitals=chart.vitals if with_vitals else None,
        context=_context(order, chart, first_day),
    )
    result = dosing.check_dose(request, policy)
    found = list(result.findings)
    if not with_vitals:
        found = [f for f in found if not f.code.startswith("vitals_")]
    if not with_gate:
        found = [f for f in found if f.code not in GATE_CODES]
    return SafetyCheck(
        dose_mg=dose_mg,
        at=at,
        decision=findings.decision(found),
        findings=tuple(found),
        total_24h_mg=result.total_24h_mg,
        result=result,
        vitals=request.vitals,
    )
