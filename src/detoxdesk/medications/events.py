"""Audit event names written by the medications app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "medication_facts.viewed": "Opened the medication facts of an episode",
    "order.signed": "A medication order was signed",
    "order.modified": "A medication order was changed (a new version was signed)",
    "order.held": "A medication order was put on hold",
    "order.resumed": "A medication order was resumed",
    "order.discontinued": "A medication order was discontinued",
    "dose.given": "A dose was recorded as given",
    "dose.held": "A dose was recorded as held",
    "dose.refused": "A dose was recorded as refused",
    "dose.omitted": "A dose was recorded as omitted",
    "safety.stop_overridden": "A safety stop was overridden with a reason",
    "safety.warning_acknowledged": "Safety warnings were acknowledged",
    "alert.reviewed": "A possible-precipitated-withdrawal alert was reviewed",
    "mar.viewed": "The medication administration record was viewed",
    "order.viewed": "A medication order was viewed",
    "medication_facts.updated": "The patient facts used by the safety engine were updated",
    "medication_settings.updated": "The program's medication settings were changed",
    "alcohol_protocol.updated": "The program's alcohol-withdrawal protocol was set or changed",
    "home_medication.recorded": "A home medication was recorded for the episode",
    "home_medication.stopped": "A home medication was marked stopped",
    "safety.order_override_relied": "A dose relied on the prescriber's override on the order",
    "pdmp.viewed": "The PDMP checks of an episode were viewed",
    "pdmp.checked": "A PDMP check (or an attempt that could not query) was recorded",
    "naloxone.prompt_acknowledged": "The naloxone prompt at signing was acknowledged",
}
