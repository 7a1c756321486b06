"""Signing a record: who signed it and when, its new status and the audit event, in one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from detoxdesk.audit import log

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User


def sign(
    record: Model,
    event: str,
    *,
    actor: User,
    now: datetime,
    status: str,
    changes: dict[str, Any] | None = None,
    refusal: str = "This record is already signed.",
    save_fields: Sequence[str] | None = None,
    locked: bool = False,
) -> Model:
    """Sign ``record`` (a model with ``status``, ``signed_by`` and ``signed_at``) and audit
    ``event`` about it (:func:`log.record_for`).

    Unless the caller holds the row lock and has checked the record's state (``locked``), the
    row is locked here and a record signed meanwhile is refused with ``refusal``: of two submits
    at once, the second is refused. ``save_fields`` None saves every field (so ``auto_now``
    fields move); otherwise those fields are saved with the signature.
    """
    with transaction.atomic():
        if not locked:
            current = type(record)._default_manager.select_for_update().get(pk=record.pk)
            if getattr(current, "signed_at", None) is not None:
                raise ValidationError(refusal)
        record.status = status  # type: ignore[attr-defined]
        record.signed_by = actor  # type: ignore[attr-defined]
        record.signed_at = now  # type: ignore[attr-defined]
        if save_fields is None:
            record.save()
        else:
            record.save(update_fields=["status", "signed_by", "signed_at", *save_fields])
        log.record_for(record, event, actor=actor, changes=changes)
    return record
