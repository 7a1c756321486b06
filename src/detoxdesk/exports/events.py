"""Audit event names written by the exports app (merged into the audit registry).

A patient's FHIR bundle and EHI export are recorded by the disclosure door as disclosures
(``disclosure.made``); only the whole-database export, which is no disclosure about one patient,
has an event of its own.
"""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "ehi.exported_all": "Exported the whole database (EHI export of every patient)",
}
