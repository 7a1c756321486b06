"""Audit event names written by the notes app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "note.drafted": "Progress note drafted",
    "note.edited": "Progress note draft edited",
    "note.signed": "Progress note signed",
    "note.cosigned": "Progress note co-signed",
    "note.addendum_signed": "Addendum to a progress note signed",
    "note.viewed": "Viewed a progress note or the notes of an episode",
    "note.group_drafted": "Group session documented (one note per attendee)",
    "note.template_changed": "Note template changed",
    "note.template_deactivated": "Note template deactivated",
    "note.template_activated": "Note template activated again",
    "note.settings_changed": "Note co-signature settings changed",
    "note.cosign_list_viewed": "Viewed the co-signature worklist",
    "amendment.requested": "Patient requested an amendment of their record",
    "amendment.accepted": "Amendment request accepted (addendum written)",
    "amendment.denied": "Amendment request denied",
    "amendment.disagreement_filed": "Patient filed a statement of disagreement",
    "amendment.viewed": "Viewed amendment requests",
}
