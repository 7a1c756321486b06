"""Writing audit events. Actions call :func:`record` inside their own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detoxdesk.audit.events import EVENTS
from detoxdesk.audit.models import AuditEvent
from detoxdesk.lib import requestid

if TYPE_CHECKING:
    from django.db.models import Model

    from detoxdesk.accounts.models import User
    from detoxdesk.patients.models import Facility, Patient


class UnknownEventError(ValueError):
    """An audit event name that is not in the registry."""


def record(
    event: str,
    *,
    actor: User | None,
    patient: Patient | None = None,
    facility: Facility | None = None,
    target: Model | None = None,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` None means the system acted."""
    if event not in EVENTS:
        raise UnknownEventError(f"{event!r} is not a registered audit event.")
    target_id = ""
    if target is not None:
        target_id = str(getattr(target, "uuid", None) or target.pk)
    return AuditEvent.objects.create(
        event=event,
        actor=actor,
        patient=patient,
        facility=facility,
        request_id=requestid.current(),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=target_id,
        changes=changes or {},
        ip_address=ip_address,
    )
