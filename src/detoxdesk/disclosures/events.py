"""Audit event names written by the disclosures app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "consent.recorded": "Part 2 consent recorded",
    "consent.signed": "Part 2 consent signed by the patient in the portal",
    "consent.revoked": "Part 2 consent revoked",
    "consent.viewed": "Opened a Part 2 consent",
    "consent.list_viewed": "Viewed a patient's consents and disclosures",
    "consent.scan_viewed": "Opened the scanned copy of a signed consent",
    "disclosure.made": "Record disclosed outside the program",
    "disclosure.refused": "A disclosure was refused: no valid consent covers it",
    "disclosure.emergency": "Record disclosed in a medical emergency (42 CFR 2.51)",
    "disclosure.emergency_reviewed": "Director reviewed an emergency disclosure",
    "disclosure.emergency_worklist_viewed": "Viewed the emergency disclosures to review",
    "disclosure.release_viewed": "Opened the release form of a patient's record",
    "disclosure.accounting_viewed": "Viewed an accounting of disclosures",
    "disclosure.accounting_exported": "Exported an accounting of disclosures",
}
