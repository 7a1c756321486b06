"""Which pages produce a record, and why each may: through the disclosure door, or internal.

A page that shows or prints a patient's record for someone outside the program (the patient
included) goes through :func:`detoxdesk.disclosures.actions.do_disclose`. Pages for the program's
own use are internal by declaration, with the reason. ``tests/disclosures/test_routes.py`` walks
the URL resolver: a page whose address or name says it prints, exports or downloads a record, or
shows a chart, summary or calendar, must be listed here, so a new one cannot bypass the door
silently.
"""

from __future__ import annotations

import re

# Words in a URL pattern or its name that mark a page producing a record.
RECORD_WORDS = re.compile(
    r"print|export|csv|download|pdf|report|summary|calendar|chart|release|disclos|accounting"
    r"|fhir|ehi|bundle|consent|scan|\.json",
    re.IGNORECASE,
)

# Pages whose output leaves through the door (each calls do_disclose or shows what it recorded).
THROUGH_THE_DOOR: dict[str, str] = {
    "disclosures:release": "asks who the print is for and why; do_disclose checks the consent",
    "disclosures:disclosure": "the print of a disclosure already recorded, with notice and consent",
    "disclosures:emergency": "records a 42 CFR 2.51 disclosure (do_disclose_emergency)",
    "exports:fhir": "asks who the FHIR record is for and why; exports.door.disclose_bundle calls "
    "do_disclose before the bundle is built",
}

# Pages for the program's own use, and the patient's own access: not disclosures.
INTERNAL: dict[str, str] = {
    "patients:chart": "the on-screen chart for the care team; it has no print of its own",
    "patients:handoff": "the shift handoff, printed by and for the unit's own nurses at the change "
    "of shift; each patient listed is audited (handoff.viewed)",
    "beds:release": "gives a reserved bed back (the word is the bed's, not a record's release)",
    "beds:board": "the unit's bed board for its own staff; it prints (initials and record "
    "numbers) for the unit's wall, never for anyone outside the program",
    "aftercare:summary": "staff preview of the discharge summary; it does not print (print.css) "
    "and points to disclosures:release",
    "aftercare:edit_summary": "staff editing the discharge summary text",
    "aftercare:bundle": "the discharge bundle checklist staff work through",
    "tapers:calendar": "staff preview of the taper calendar; it does not print and points to "
    "disclosures:release",
    "labs:print": "the episode's results printed for the care team's own paper chart, marked for "
    "the program's use; a copy for the patient or anyone outside goes through disclosures:release",
    "audit:export": "the audit report for the program's director and auditors (operations)",
    "portal:summary": "the patient reading their own summary in the portal (right of access, "
    "42 CFR 2.23), audited as portal.viewed",
    "notes:print": "the print view of a note for the program's own paper record; a copy for "
    "anyone else goes through disclosures:release, which it points to",
    "disclosures:consents": "the consents and disclosures page for staff",
    "disclosures:consent_new": "recording a consent",
    "disclosures:consent": "the consent form itself, printed for the patient to sign or keep",
    "disclosures:consent_scan": "the scanned signed consent, for staff",
    "disclosures:revoke": "recording a written revocation",
    "disclosures:accounting": "the accounting of disclosures, given to the patient on request "
    "(42 CFR 2.25); it discloses no record",
    "disclosures:emergencies": "the director's worklist of emergency disclosures",
    "disclosures:review": "the director marks an emergency disclosure reviewed",
    "disclosures:my_consents": "the patient's own consents in the portal",
    "disclosures:my_consent": "the patient reads and signs their own consent",
    "disclosures:my_revoke": "the patient revokes their own consent",
    "disclosures:my_accounting": "the patient's own accounting of disclosures",
    "reports:report": "program quality measures for the director and auditors (operations); "
    "counts, no patient's record",
    "reports:csv": "the same counts as a CSV file for the program's own use",
    "reports:episodes": "the episodes behind a figure, for the program's own staff; each one "
    "shown is audited as a chart access",
}

# Whole address spaces declared internal, with the reason.
INTERNAL_PREFIXES: dict[str, str] = {
    "api/v1/": "the token API serves the program's own systems (scopes read and record); a record "
    "for an outside recipient leaves through the FHIR export command, which uses the door",
}


def declared(route: str, name: str) -> bool:
    """True when the page at ``route`` named ``name`` is declared here."""
    if name in THROUGH_THE_DOOR or name in INTERNAL:
        return True
    return any(route.startswith(prefix) for prefix in INTERNAL_PREFIXES)
