"""Access to notes: the note, or a refusal (404 for outsiders, 403 without the capability)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.notes.models import AmendmentRequest, Note
from detoxdesk.staff.emergency import granted_patient_ids


def get_note_for_user(user: User, note_uuid: UUID | str, *, capability: str | None = None) -> Note:
    """The note if ``user`` may see the chart of its episode, checked for ``capability``."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    notes = Note.objects.filter(uuid=note_uuid).select_related(
        "episode__patient", "episode__facility__program", "author", "cosignature__signed_by"
    )
    note = notes.filter(episode__facility_id__in=facility_ids).first()
    if note is None:  # read-only under an emergency grant, as the chart itself
        granted = granted_patient_ids(user)
        note = notes.filter(episode__patient_id__in=granted).first() if granted else None
    if note is None:
        raise Http404("No such note.")
    if capability and not permissions.can(user, capability, note.episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return note


def get_amendment_for_user(
    user: User, request_uuid: UUID | str, *, capability: str = permissions.AMENDMENT_DECIDE
) -> AmendmentRequest:
    """The amendment request if ``user`` may see its facility's charts and holds ``capability``."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    found = (
        AmendmentRequest.objects.filter(uuid=request_uuid, facility_id__in=facility_ids)
        .select_related("patient", "facility", "note__episode", "decided_by")
        .first()
    )
    if found is None:
        raise Http404("No such amendment request.")
    if not permissions.can(user, capability, found.facility):
        raise PermissionDenied("Your role does not decide amendment requests.")
    return found
