"""Audit event names written by the exports app (merged into the audit registry).

A patient's FHIR bundle and EHI export are recorded by the disclosure door as disclosures
(``disclosure.made``); only the whole-database export, which is no disclosure about one patient,
has an event of its own, as has opening the release page.
"""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "fhir_release.viewed": "Opened the page that releases an episode as a FHIR record",
    "ehi.exported_all": "Exported the whole database (EHI export of every patient)",
}
