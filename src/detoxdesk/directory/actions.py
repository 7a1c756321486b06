"""Writing the directory: the only way resources and places are created, changed, verified or
imported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.directory import importer, places
from detoxdesk.directory.models import Place, Resource
from detoxdesk.directory.progress import Reporter, Silent
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
        resource.tag_index = resource.build_tag_index()
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
        resource.tag_index = resource.build_tag_index()
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


# --- Imports -------------------------------------------------------------------------------------

UPDATE_FIELDS = [
    "name",
    "kind",
    "address_line",
    "city",
    "region",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "website",
    "hours",
    "services",
    "languages",
    "payment",
    "tag_index",
    "accepting_new_patients",
    "notes",
    "last_verified_on",
    "updated_at",
]


def do_import_resources(
    stream: TextIO,
    *,
    acting_user: User | None,
    dry_run: bool,
    skip_invalid: bool = False,
    total_rows: int = 0,
    progress: Reporter | None = None,
    source_name: str = "",
) -> importer.ImportSummary:
    """Check every row, then (unless ``dry_run``) write them all in one transaction.

    ``acting_user`` None means an operator at the command line. Raises LayoutError when the
    header is wrong (the columns: :mod:`detoxdesk.directory.importer`). Nothing is saved when
    any row is refused, unless ``skip_invalid``.
    """
    require_manager(acting_user)
    progress = progress or Silent()
    progress.start("Checking", total_rows)
    rows, errors, rejected = importer.validate(importer.read_rows(stream), progress)
    progress.finish()
    summary = importer.ImportSummary(dry_run=dry_run, rejected=rejected, errors=errors)
    new, changed, summary.unchanged = importer.plan_rows(rows, build=not dry_run)
    summary.created, summary.updated = len(new), len(changed)
    if dry_run or (errors and not skip_invalid):
        return summary
    progress.start("Saving", len(new) + len(changed))
    with transaction.atomic():
        _write(new, changed, progress)
        log.record(
            "resource.imported",
            actor=acting_user,
            changes={**summary.as_dict(), "saved": True, "file": source_name},
        )
    progress.finish()
    summary.saved = True
    return summary


def _write(new: list[Resource], changed: list[Resource], progress: Reporter) -> None:
    done = 0
    for start in range(0, len(new), importer.BATCH):
        Resource.objects.bulk_create(new[start : start + importer.BATCH])
        done += len(new[start : start + importer.BATCH])
        progress.advance(done)
    for start in range(0, len(changed), importer.BATCH):
        Resource.objects.bulk_update(changed[start : start + importer.BATCH], UPDATE_FIELDS)
        done += len(changed[start : start + importer.BATCH])
        progress.advance(done)


def do_import_places(
    stream: TextIO,
    *,
    acting_user: User | None,
    dry_run: bool,
    progress: Reporter | None = None,
    total_rows: int = 0,
) -> places.PlaceSummary:
    """Add or update places by code; any refused row means nothing is saved."""
    require_manager(acting_user)
    found, summary = places.check_places(
        stream, dry_run=dry_run, progress=progress or Silent(), total_rows=total_rows
    )
    if dry_run or summary.errors:
        return summary
    with transaction.atomic():
        for start in range(0, len(found), importer.BATCH):
            Place.objects.bulk_create(
                found[start : start + importer.BATCH],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "latitude", "longitude"],
            )
        log.record(
            "place.imported",
            actor=acting_user,
            changes={"created": summary.created, "updated": summary.updated},
        )
    summary.saved = True
    return summary
