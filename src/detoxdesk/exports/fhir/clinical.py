"""Observation (withdrawal scales, vital signs), MedicationRequest and MedicationAdministration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from detoxdesk.clinical import coding, labs, scales
from detoxdesk.exports.fhir.common import (
    concept,
    derived_id,
    instant,
    milligrams,
    quantity,
    ref,
    resource,
    text,
)
from detoxdesk.labs.models import Result
from detoxdesk.medications.describe import drug_label
from detoxdesk.medications.models import Administration, Order, OrderLine
from detoxdesk.monitoring.models import Assessment, VitalSigns

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC = "http://loinc.org"
REQUEST_STATUS = {
    OrderLine.Status.ACTIVE: "active",
    OrderLine.Status.HELD: "on-hold",
    OrderLine.Status.DISCONTINUED: "stopped",
}


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def scale_observation(
    row: Assessment, subject: dict[str, Any], stay: dict[str, Any]
) -> dict[str, Any]:
    """The total as the value, each item as a component, under the project's own code system
    (SPEC.md 14.3: no LOINC code is confirmed for COWS, SOWS or CIWA-Ar)."""
    system = coding.scales_system()
    scale = scales.get_scale(row.scale)
    components = [
        {
            "code": _coded(system, f"{scale.code}.{item.key}", item.label),
            "valueInteger": int(row.items[item.key]),
        }
        for item in scale.items
        if isinstance(row.items.get(item.key), int)
    ]
    return resource(
        "Observation",
        row.uuid,
        status="final",
        category=[concept(CATEGORY, "survey", "Survey")],
        code=_coded(system, scale.code, f"{scale.name} total score ({scale.title})"),
        subject=ref(subject),
        encounter=ref(stay),
        effectiveDateTime=instant(row.performed_at),
        issued=instant(row.recorded_at),
        valueInteger=row.total,
        interpretation=[text(row.band_label)] if row.band_label else [],
        note=[{"text": row.note}] if row.note else [],
        component=components,
    )


def _vital(
    row: VitalSigns, subject: dict[str, Any], stay: dict[str, Any], part: str, **fields: Any
) -> dict[str, Any]:
    category = coding.vital_signs_group("category")
    return resource(
        "Observation",
        derived_id(row.uuid, part),
        status="final",
        category=[concept(category.system, category.code, category.display)],
        subject=ref(subject),
        encounter=ref(stay),
        effectiveDateTime=instant(row.measured_at),
        issued=instant(row.recorded_at),
        **fields,
    )


def _vital_code(field: str) -> tuple[dict[str, Any], coding.VitalSignCode]:
    entry = coding.vital_sign(field)
    codings = [entry.code, *([entry.also] if entry.also else [])]
    code = {
        "coding": [{"system": c.system, "code": c.code, "display": c.display} for c in codings],
        "text": entry.code.display,
    }
    return code, entry


def vital_observations(
    row: VitalSigns, subject: dict[str, Any], stay: dict[str, Any]
) -> list[dict[str, Any]]:
    """One Observation per measured vital sign; blood pressure as the LOINC panel with the
    systolic and diastolic pressures as components."""
    made = []
    for field in ("heart_rate", "respiratory_rate", "temperature_c", "spo2"):
        value = getattr(row, field)
        if value is None:
            continue
        code, entry = _vital_code(field)
        amount = quantity(
            Decimal(value) if field == "temperature_c" else value, entry.unit, entry.ucum
        )
        made.append(_vital(row, subject, stay, field, code=code, valueQuantity=amount))
    pressures = []
    for field in ("systolic", "diastolic"):
        value = getattr(row, field)
        if value is not None:
            code, entry = _vital_code(field)
            pressures.append(
                {"code": code, "valueQuantity": quantity(value, entry.unit, entry.ucum)}
            )
    if pressures:
        panel = coding.vital_signs_group("blood_pressure")
        code = _coded(panel.system, panel.code, panel.display)
        made.append(_vital(row, subject, stay, "blood_pressure", code=code, component=pressures))
    return made


def result_observations(
    result: Result, subject: dict[str, Any], stay: dict[str, Any]
) -> list[dict[str, Any]]:
    """One laboratory Observation per finding of a drug test or other result: coded in the
    project's results system, with the LOINC code recorded with the finding beside it (only
    codes SPEC confirms, clinical.labs); the outcome as text, a QTc as a quantity in ms."""
    catalogue = labs.catalogue()
    made = []
    for finding in result.findings.all():
        analyte = catalogue.analytes[finding.analyte]
        codings = [
            {"system": coding.results_system(), "code": analyte.code, "display": analyte.label}
        ]
        if finding.loinc:
            codings.insert(0, {"system": LOINC, "code": finding.loinc, "display": analyte.label})
        if finding.value is not None:
            value: dict[str, Any] = {"valueQuantity": quantity(finding.value, "ms", "ms")}
        else:
            value = {"valueCodeableConcept": text(finding.get_outcome_display())}
        made.append(
            resource(
                "Observation",
                derived_id(result.uuid, finding.analyte),
                status="final",
                category=[concept(CATEGORY, "laboratory", "Laboratory")],
                code={"coding": codings, "text": analyte.label},
                subject=ref(subject),
                encounter=ref(stay),
                effectiveDateTime=instant(result.specimen_at),
                issued=instant(result.recorded_at),
                method=text(result.get_method_display()),
                specimen={"display": labs.SPECIMENS.get(result.specimen, result.specimen)},
                **value,
            )
        )
    return made


def _dosage(order: Order) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "text": order.summary,
        "route": text(order.get_route_display()),
        "doseAndRate": [{"doseQuantity": milligrams(order.dose_mg)}],
    }
    if order.prn_indication:
        dosage["asNeededCodeableConcept"] = text(order.prn_indication)
    if order.times_of_day:
        dosage["timing"] = {"repeat": {"timeOfDay": [f"{t}:00" for t in order.times_of_day]}}
    if order.max_daily_mg is not None:
        dosage["maxDosePerPeriod"] = {
            "numerator": milligrams(order.max_daily_mg),
            "denominator": {
                "value": 1,
                "unit": "day",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        }
    return dosage


def medication_request(
    order: Order, subject: dict[str, Any], stay: dict[str, Any], prior: dict[str, Any] | None
) -> dict[str, Any]:
    """One signed version of an order; a version replaced by a later one is stopped."""
    current = order.superseded_at is None
    status = REQUEST_STATUS[OrderLine.Status(order.line.status)] if current else "stopped"
    return resource(
        "MedicationRequest",
        order.uuid,
        status=status,
        statusReason=None if current else text(f"Replaced by version {order.version + 1}"),
        intent="order",
        medicationCodeableConcept=text(drug_label(order.drug)),
        subject=ref(subject),
        encounter=ref(stay),
        authoredOn=instant(order.signed_at),
        groupIdentifier={"value": str(order.line.uuid)},
        priorPrescription=ref(prior) if prior else None,
        note=[{"text": order.instructions}] if order.instructions else [],
        dosageInstruction=[_dosage(order)],
    )


def medication_administration(
    row: Administration, subject: dict[str, Any], stay: dict[str, Any], request: dict[str, Any]
) -> dict[str, Any]:
    given = row.outcome == Administration.Outcome.GIVEN
    reason = row.reason or row.get_outcome_display()
    return resource(
        "MedicationAdministration",
        row.uuid,
        status="completed" if given else "not-done",
        statusReason=[] if given else [text(reason)],
        medicationCodeableConcept=text(drug_label(row.drug)),
        subject=ref(subject),
        context=ref(stay),
        effectiveDateTime=instant(row.occurred_at),
        request=ref(request),
        dosage={"dose": milligrams(row.dose_mg)} if given and row.dose_mg is not None else None,
    )
