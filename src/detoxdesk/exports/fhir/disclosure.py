"""Consent (the one the disclosure relied on) and Provenance (who disclosed what, when, why)."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from detoxdesk.exports.fhir.common import (
    ACT_CODE,
    ACT_REASON,
    PURPOSES,
    concept,
    day,
    derived_id,
    instant,
    ref,
    resource,
    text,
)

PART2_RULE = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"


@dataclass(frozen=True)
class ConsentTerms:
    """What the bundle says of a Part 2 consent, read from the consent record."""

    id: uuid.UUID
    active: bool
    signed_at: datetime | date
    recipient: str
    purposes: tuple[str, ...]
    information: str
    expires_on: date | None = None
    expiry_event: str = ""


@dataclass(frozen=True)
class DisclosureTerms:
    """One disclosure: to whom, why, who disclosed it, when, under which consent and notice."""

    recipient: str
    purpose: str
    disclosed_by: str
    at: datetime
    notice: str
    consent: ConsentTerms | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def _purpose(code: str) -> dict[str, Any]:
    value, display = PURPOSES[code]
    return {"system": ACT_REASON, "code": value, "display": display}


def _narrative(*paragraphs: str) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def consent(terms: ConsentTerms, subject: dict[str, Any], notice: str) -> dict[str, Any]:
    """The consent as a FHIR Consent; its narrative carries the §2.32 notice and the terms."""
    period: dict[str, str] = {"start": str(_when(terms.signed_at))}
    if terms.expires_on is not None:
        period["end"] = str(day(terms.expires_on))
    expiry = f"Expires on {terms.expires_on}." if terms.expires_on else ""
    if terms.expiry_event:
        expiry = f"Expires at: {terms.expiry_event}."
    summary = (
        f"Consent to disclose {terms.information} to {terms.recipient} for "
        f"{', '.join(p.replace('_', ' ') for p in terms.purposes)}."
    )
    return resource(
        "Consent",
        terms.id,
        text=_narrative(notice, summary, expiry),
        status="active" if terms.active else "inactive",
        scope=concept(
            "http://terminology.hl7.org/CodeSystem/consentscope",
            "patient-privacy",
            "Privacy Consent",
        ),
        category=[concept(ACT_CODE, "IDSCL", "information disclosure")],
        patient=ref(subject),
        dateTime=_when(terms.signed_at),
        policy=[{"authority": "https://www.ecfr.gov", "uri": PART2_RULE}],
        policyRule=concept(ACT_CODE, "42CFRPart2", "42 CFR Part2"),
        provision={
            "type": "permit",
            "period": period,
            "actor": [
                {
                    "role": concept(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "IRCP",
                        "information recipient",
                    ),
                    "reference": {"display": terms.recipient},
                }
            ],
            "purpose": [_purpose(p) for p in terms.purposes if p in PURPOSES],
        },
    )


def _when(value: datetime | date) -> str | None:
    return instant(value) if isinstance(value, datetime) else day(value)


def provenance(
    terms: DisclosureTerms, targets: list[dict[str, Any]], consent_resource: dict[str, Any] | None
) -> dict[str, Any]:
    """Who disclosed the bundle's resources, to whom, when and why, under which consent."""
    return resource(
        "Provenance",
        derived_id(terms.id, "provenance"),
        text=_narrative(terms.notice),
        target=[ref(target) for target in targets],
        recorded=instant(terms.at),
        policy=[PART2_RULE],
        reason=[{"coding": [_purpose(terms.purpose)], "text": terms.purpose.replace("_", " ")}],
        activity=text(f"Disclosure to {terms.recipient}"),
        agent=[
            {
                "type": concept(
                    "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "author",
                    "Author",
                ),
                "who": {"display": terms.disclosed_by},
            }
        ],
        entity=[{"role": "source", "what": ref(consent_resource)}] if consent_resource else [],
    )
