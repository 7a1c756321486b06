"""Writing the directory: the only way resources are created, changed or verified."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.directory.models import Resource
from detoxdesk.directory.validation import changed_fields, clean_values


def require_manager(user: User | None) -> None:
    """Refuse unless ``user`` may manage the directory (None: an operator at the command line)."""
    if user is not None and not permissions.can(user, permissions.DIRECTORY_MANAGE):
        raise PermissionDenied("Your role cannot change the resource directory.")


def _unique_external_id(clean: Mapping[str, Any], resource: Resource | None) -> None:
    external_id = clean.get("external_id")
    if not external_id:
        return
    others = Resource.objects.filter(external_id=external_id)
    if resource is not None:
        others = others.exclude(pk=resource.pk)
    if others.exists():
        raise ValidationError({"external_id": "Another resource already has this external ID."})


def do_create_resource(*, acting_user: User, values: Mapping[str, Any]) -> Resource:
    require_manager(acting_user)
    clean = clean_values(values)
    _unique_external_id(clean, None)
    with transaction.atomic():
        resource = Resource(**clean)
        resource.save()
        log.record(
            "resource.created",
            actor=acting_user,
            target=resource,
            changes={"name": resource.name, "kind": resource.kind},
        )
    return resource


def do_update_resource(
    resource: Resource, *, acting_user: User, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply the edited values; returns the fields that changed (nothing is written if none)."""
    require_manager(acting_user)
    clean = clean_values(values)
    _unique_external_id(clean, resource)
    changes = changed_fields(resource, clean)
    if not changes:
        return changes
    with transaction.atomic():
        for name in changes:
            setattr(resource, name, clean[name])
        resource.save()
        log.record("resource.updated", actor=acting_user, target=resource, changes=changes)
    return changes


def do_verify_resource(
    resource: Resource, *, acting_user: User, verified_on: date | None = None
) -> Resource:
    """Record that someone checked the resource's details are still right."""
    require_manager(acting_user)
    today = timezone.localdate()
    verified_on = verified_on or today
    if verified_on > today:
        raise ValidationError({"verified_on": "The verification date cannot be in the future."})
    with transaction.atomic():
        resource.last_verified_on = verified_on
        resource.last_verified_by = acting_user
        resource.save(update_fields=["last_verified_on", "last_verified_by", "updated_at"])
        log.record(
            "resource.verified",
            actor=acting_user,
            target=resource,
            changes={"verified_on": verified_on.isoformat()},
        )
    return resource
