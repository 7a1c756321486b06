"""Patient, EpisodeOfCare, Encounter, Condition, AllergyIntolerance and CarePlan resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.clinical import coding
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.exports.fhir.common import (
    ACT_CODE,
    RECORD_NUMBER_SYSTEM,
    concept,
    day,
    derived_id,
    instant,
    ref,
    resource,
    text,
)
from detoxdesk.intake.models import Evaluation, TreatmentPlan
from detoxdesk.medications.describe import drug_label
from detoxdesk.patients.models import Allergy, Episode, Facility, Patient
from detoxdesk.tapers.models import TaperPlan

US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
BIRTHSEX = {"female": "F", "male": "M", "intersex": "UNK", "unknown": "UNK"}
ENCOUNTER_CLASS = {
    Facility.Kind.INPATIENT: ("IMP", "inpatient encounter"),
    Facility.Kind.OUTPATIENT: ("AMB", "ambulatory"),
}
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
SEVERITY = {"mild": "mild", "moderate": "moderate", "severe": "severe"}
TAPER_STATUS = {"draft": "draft", "active": "active", "held": "on-hold", "cancelled": "revoked"}


def patient(row: Patient) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "family": row.family_name, "given": [row.given_name]}
    names = [name]
    if row.preferred_name:
        names.append({"use": "usual", "given": [row.preferred_name]})
    return resource(
        "Patient",
        row.uuid,
        identifier=[
            {
                "system": f"{RECORD_NUMBER_SYSTEM}/{row.program.uuid}",
                "value": row.record_number,
            }
        ],
        name=names,
        birthDate=day(row.date_of_birth),
        telecom=[{"system": "phone", "value": row.phone}] if row.phone else [],
        extension=[{"url": US_CORE_BIRTHSEX, "valueCode": BIRTHSEX[row.sex_at_birth]}],
    )


def _period(start: datetime, end: datetime | None) -> dict[str, str]:
    period = {"start": str(instant(start))}
    if end is not None:
        period["end"] = str(instant(end))
    return period


def episode_of_care(row: Episode, subject: dict[str, Any]) -> dict[str, Any]:
    return resource(
        "EpisodeOfCare",
        row.uuid,
        status="active" if row.status == Episode.Status.ACTIVE else "finished",
        type=[text(f"Withdrawal management ({row.get_stage_display()})")],
        patient=ref(subject),
        managingOrganization={"display": row.facility.name},
        period=_period(row.admitted_at, row.discharged_at),
    )


def encounter(row: Episode, subject: dict[str, Any], care: dict[str, Any]) -> dict[str, Any]:
    code, display = ENCOUNTER_CLASS[Facility.Kind(row.facility.kind)]
    stay_class = {"system": ACT_CODE, "code": code, "display": display}
    return resource(
        "Encounter",
        derived_id(row.uuid, "encounter"),
        status="in-progress" if row.status == Episode.Status.ACTIVE else "finished",
        subject=ref(subject),
        episodeOfCare=[ref(care)],
        period=_period(row.admitted_at, row.discharged_at),
        serviceProvider={"display": row.facility.name},
        location=[{"location": {"display": f"{row.facility.name} {row.bed.label}"}}]
        if row.bed is not None
        else [],
        **{"class": stay_class},
    )


def condition(
    row: Evaluation, subject: dict[str, Any], stay: dict[str, Any]
) -> dict[str, Any] | None:
    """The ICD-10-CM diagnosis the clinician recorded on the evaluation, or None."""
    recorded = row.answers.get("diagnosis_code")
    if not recorded:
        return None
    try:
        code = coding.diagnosis(str(recorded))
    except InvalidInput:
        return None
    return resource(
        "Condition",
        derived_id(row.uuid, "diagnosis"),
        clinicalStatus=concept(CLINICAL_STATUS, "active", "Active"),
        verificationStatus=concept(
            VERIFICATION,
            "confirmed" if row.status == Evaluation.Status.SIGNED else "provisional",
            "Confirmed" if row.status == Evaluation.Status.SIGNED else "Provisional",
        ),
        category=[
            concept(
                "http://terminology.hl7.org/CodeSystem/condition-category",
                "encounter-diagnosis",
                "Encounter Diagnosis",
            )
        ],
        code=concept(code.system, code.code, code.display),
        subject=ref(subject),
        encounter=ref(stay),
        recordedDate=instant(row.signed_at or row.completed_at),
    )


def allergy(row: Allergy, subject: dict[str, Any]) -> dict[str, Any]:
    removed = row.removed_at is not None
    reaction = []
    if row.reaction:
        reaction = [{"manifestation": [text(row.reaction)], "description": row.reaction}]
        if row.severity in SEVERITY:
            reaction[0]["severity"] = SEVERITY[row.severity]
    return resource(
        "AllergyIntolerance",
        row.uuid,
        clinicalStatus=None if removed else concept(ALLERGY_CLINICAL, "active", "Active"),
        verificationStatus=concept(
            ALLERGY_VERIFICATION,
            "entered-in-error" if removed else "confirmed",
            "Entered in Error" if removed else "Confirmed",
        ),
        criticality="high" if row.severity == Allergy.Severity.SEVERE else "unable-to-assess",
        code=text(row.label),
        patient=ref(subject),
        recordedDate=instant(row.recorded_at),
        note=[{"text": row.note}] if row.note else [],
        reaction=reaction,
    )


def no_known_allergies(row: Patient, subject: dict[str, Any]) -> dict[str, Any] | None:
    """The statement that the patient has no known allergies, when staff recorded it."""
    if row.no_known_allergies_at is None:
        return None
    return resource(
        "AllergyIntolerance",
        derived_id(row.uuid, "no-known-allergies"),
        clinicalStatus=concept(ALLERGY_CLINICAL, "active", "Active"),
        verificationStatus=concept(ALLERGY_VERIFICATION, "confirmed", "Confirmed"),
        code=text("No known allergies"),
        patient=ref(subject),
        recordedDate=instant(row.no_known_allergies_at),
    )


def treatment_plan(
    row: TreatmentPlan, subject: dict[str, Any], stay: dict[str, Any]
) -> dict[str, Any]:
    signed = row.status == TreatmentPlan.Status.SIGNED
    return resource(
        "CarePlan",
        row.uuid,
        status="active" if signed else "draft",
        intent="plan",
        title="Treatment plan",
        description=f"Medication pathway: {row.get_medication_pathway_display()}.",
        subject=ref(subject),
        encounter=ref(stay),
        created=instant(row.signed_at or row.updated_at),
        note=[
            {"text": f"Problems: {row.problems}"},
            {"text": f"Goals: {row.goals}"},
            {"text": f"Interventions: {row.interventions}"},
        ],
    )


def taper_plan(row: TaperPlan, subject: dict[str, Any], stay: dict[str, Any]) -> dict[str, Any]:
    """The taper as a CarePlan: one activity per day of the schedule with its daily dose."""
    medication = text(drug_label(row.drug))
    activities = [
        {
            "detail": {
                "status": "on-hold" if step.get("held") else "scheduled",
                "productCodeableConcept": medication,
                "scheduledString": step["date"],
                "dailyAmount": {"value": float(step["daily_dose"]), "unit": row.unit},
            }
        }
        for step in row.steps
    ]
    return resource(
        "CarePlan",
        row.uuid,
        status=TAPER_STATUS[row.status],
        intent="plan",
        title=row.get_kind_display(),
        subject=ref(subject),
        encounter=ref(stay),
        created=instant(row.signed_at or row.created_at),
        period={"start": day(row.start_date)},
        activity=activities,
    )
