"""The full electronic health information export (ONC 170.315(b)(10)): what it holds and how
each record is written.

Every model of Detox Desk is either a *patient record* (it reaches ``patients.Patient`` through
its foreign keys: found automatically, shortest path first) or listed in :data:`NOT_PATIENT_RECORDS`
with the reason; a test fails when a new model is neither, so nothing is left out silently. A
patient's export holds every patient record reaching them, their audit trail included, and the
program, facility and staff-name rows those records point to. ``--all`` holds every row of every
model. Secrets (password hashes, invitation token hashes) are never written.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from detoxdesk.patients.models import Patient

CHUNK_SIZE = 500  # rows fetched per round trip while streaming a table

# Models that hold nothing about one patient, and why; --all still exports them.
NOT_PATIENT_RECORDS: dict[str, str] = {
    "accounts.user": "staff and portal sign-in accounts (names only in a patient's export)",
    "accounts.membership": "which role a staff member holds at a facility",
    "accounts.signinpolicy": "the program's sign-in rules",
    "audit.auditchainhead": "the end of the audit hash chain",
    "patients.program": "the program (in a patient's export: the patient's program)",
    "patients.facility": "facilities (in a patient's export: the patient's program's)",
    "patients.bed": "the beds of a facility",
    "intake.intakesettings": "the program's intake settings",
    "medications.medicationsettings": "the program's medication settings",
    "tapers.tapersettings": "the program's taper settings",
    "outpatient.outpatientsettings": "the program's outpatient review settings",
    "aftercare.aftercaresettings": "the program's aftercare settings",
    "directory.resource": "the resource directory (services to refer to)",
    "directory.place": "the postcode and place table of the directory",
    "staff.staffinvitation": "invitations of staff members",
    "staff.facilitystatus": "whether a facility is open",
    "staff.unit": "the units of a facility",
    "staff.bedstatus": "whether a bed is in service",
    "beds.cleaning": "when a bed waited to be cleaned, and who cleaned it",
    "api.apitoken": "API tokens of staff accounts (their secrets are never exported)",
    "controlled.product": "the controlled products a program stocks",
    "controlled.location": "the safes and carts where controlled stock is kept",
    "controlled.lot": "the lots of a controlled product",
    "controlled.stock": "the balance of each lot at each location",
    "controlled.count": "shift counts of a storage location",
    "controlled.countline": "the counted amount of each product in a shift count",
    "controlled.discrepancy": "differences between a count and the ledger, and their resolution",
    "controlled.inventory": "initial and biennial inventories of controlled stock",
    "controlled.inventoryline": "the counted amount of each product in an inventory",
    "notes.notetemplate": "the program's note templates (a note keeps the headings it was "
    "written with)",
    "notes.notesettings": "which roles' notes the program has co-signed",
    "notes.groupsession": "a group session's topic and time (each attendee's note, with the "
    "topic, is in that attendee's record)",
}
# Never written: they would let someone sign in or accept an invitation.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"password"}),
    "portal.invitation": frozenset({"token_hash"}),
    "staff.staffinvitation": frozenset({"token_hash"}),
    "api.apitoken": frozenset({"digest"}),
}
# What a patient's export keeps of a staff account: the name behind "recorded_by".
STAFF_NAME_FIELDS = frozenset({"id", "uuid", "username", "first_name", "last_name"})


@dataclass(frozen=True)
class Kind:
    """One kind of record: a model, and how its rows reach a patient (None: they do not)."""

    model: type[models.Model]
    patient_path: str | None
    only: frozenset[str] | None = field(default=None)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def filename(self) -> str:
        return f"{self.label}.json"

    def fields(self) -> list[models.Field[Any, Any]]:
        secret = SECRET_FIELDS.get(self.label, frozenset())
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in secret and (self.only is None or f.name in self.only)
        ]


def own_models() -> list[type[models.Model]]:
    """Every model of Detox Desk's own apps, in app and model order."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("detoxdesk.")
        for model in config.get_models()
    ]


def _path_to_patient(model: type[models.Model]) -> str | None:
    """The shortest foreign-key path from ``model`` to Patient, not through staff accounts."""
    if model is Patient:
        return "pk"
    queue: list[tuple[type[models.Model], str, int]] = [(model, "", 0)]
    while queue:
        current, path, depth = queue.pop(0)
        for fk in current._meta.concrete_fields:
            related = fk.related_model
            if not isinstance(related, type) or related is current:
                continue
            step = f"{path}__{fk.name}" if path else fk.name
            if related is Patient:
                return step
            if depth < 3 and related._meta.label_lower not in NOT_PATIENT_RECORDS:
                queue.append((related, step, depth + 1))
    return None


@cache
def patient_kinds() -> tuple[Kind, ...]:
    """Every kind of record that reaches a patient, with its path."""
    found = ((model, _path_to_patient(model)) for model in own_models())
    return tuple(Kind(model, path) for model, path in found if path is not None)


def unclassified() -> list[str]:
    """Models neither reaching a patient nor listed as not patient records (should be none)."""
    linked = {kind.label for kind in patient_kinds()}
    return [
        model._meta.label_lower
        for model in own_models()
        if model._meta.label_lower not in linked | NOT_PATIENT_RECORDS.keys()
    ]


def all_kinds() -> tuple[Kind, ...]:
    return tuple(Kind(model, None) for model in own_models())


def context_kinds() -> tuple[Kind, ...]:
    """What a patient's records point to: their program, its facilities, the staff names."""
    return (
        Kind(apps.get_model("patients", "Program"), None),
        Kind(apps.get_model("patients", "Facility"), None),
        Kind(apps.get_model("accounts", "User"), None, only=STAFF_NAME_FIELDS),
    )


def rows(kind: Kind, patient: Patient | None) -> models.QuerySet[Any]:
    """The rows of ``kind`` in the export of ``patient`` (None: the whole database)."""
    manager = kind.model._default_manager
    if patient is None:
        return manager.order_by("pk")
    if kind.patient_path is not None:
        return manager.filter(**{kind.patient_path: patient.pk}).order_by("pk").distinct()
    label = kind.label
    if label == "patients.program":
        return manager.filter(pk=patient.program_id).order_by("pk")
    if label == "patients.facility":
        return manager.filter(program_id=patient.program_id).order_by("pk")
    if label == "accounts.user":
        staff = Q(memberships__facility__program_id=patient.program_id)
        return manager.filter(staff | Q(portal_account__patient=patient)).order_by("pk").distinct()
    raise ValueError(f"{label} is not part of a patient's export.")


def value(raw: Any) -> Any:
    """A field value as JSON: times ISO-8601, decimals and UUIDs as text, bytes as base64."""
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    if isinstance(raw, timedelta):
        return raw.total_seconds()
    if isinstance(raw, Decimal | uuid.UUID):
        return str(raw)
    if isinstance(raw, bytes | memoryview):
        return base64.b64encode(bytes(raw)).decode("ascii")
    return raw


def serialise(kind: Kind, row: models.Model) -> dict[str, Any]:
    """One row: each exported field by name; a foreign key as the id of the row it points to."""
    return {f.name: value(f.value_from_object(row)) for f in kind.fields()}


def stream(kind: Kind, patient: Patient | None) -> Iterator[dict[str, Any]]:
    """The rows of ``kind``, serialised, fetched ``CHUNK_SIZE`` at a time (memory stays flat)."""
    for row in rows(kind, patient).iterator(chunk_size=CHUNK_SIZE):
        yield serialise(kind, row)
