"""What is known about a patient's allergies: the entries, or a dated "no known allergies", or
nothing at all ("not asked"), which is shown as unknown and never read as none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from detoxdesk.patients.models import Allergy, Patient

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User


@dataclass(frozen=True)
class AllergyStatus:
    """The chart header's allergy line.

    ``state`` is ``"recorded"`` (one or more entries), ``"none_known"`` (a dated statement by
    ``stated_by`` at ``stated_at``) or ``"unknown"`` (nobody has asked).
    """

    state: str
    entries: tuple[Allergy, ...]
    stated_at: datetime | None = None
    stated_by: User | None = None

    @property
    def has_other(self) -> bool:
        """True when an entry is free text, which the medication check cannot match."""
        return any(entry.is_other for entry in self.entries)


def current(patient: Patient) -> list[Allergy]:
    """The patient's allergy entries that have not been removed, oldest first (one query)."""
    return list(
        Allergy.objects.filter(patient=patient, removed_at__isnull=True).select_related(
            "recorded_by"
        )
    )


def status(patient: Patient) -> AllergyStatus:
    """The allergy line for ``patient``: two queries at most, whatever the number of entries."""
    entries = tuple(current(patient))
    if entries:
        return AllergyStatus("recorded", entries)
    if patient.no_known_allergies_at is not None:
        by = patient.no_known_allergies_by  # one query, only for this state
        return AllergyStatus("none_known", (), patient.no_known_allergies_at, by)
    return AllergyStatus("unknown", ())


def allergy_codes(patient: Patient) -> tuple[str, ...]:
    """The ingredient codes (``clinical.products``) of the patient's current allergies.

    This is what the medication safety check matches products against. Free-text "other
    substance" entries are not included: they name nothing a product can contain. An empty tuple
    means no coded allergy, which is not the same as "no known allergies": see :func:`status`.
    """
    codes = (
        Allergy.objects.filter(patient=patient, removed_at__isnull=True)
        .exclude(substance="")
        .order_by("recorded_at", "pk")
        .values_list("substance", flat=True)
    )
    return tuple(dict.fromkeys(codes))


# The note the data migration (0004) puts on entries copied from the former free-text field.
LEGACY_NOTE_START = "Copied from the former free-text allergy field."


def unreviewed_legacy_texts(patient: Patient) -> tuple[str, ...]:
    """The texts of current entries copied from the former free-text field, not yet reviewed."""
    return tuple(
        Allergy.objects.filter(
            patient=patient,
            removed_at__isnull=True,
            substance="",
            recorded_by__isnull=True,
            note__startswith=LEGACY_NOTE_START,
        ).values_list("other_substance", flat=True)
    )
