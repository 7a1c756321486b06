"""The numbers to reach a patient on: their own phone, then their emergency contact's, then the
numbers of people who called on their behalf, each labelled with whose it is. A relative's number
is never shown as the patient's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from detoxdesk.patients.models import Contact, Patient


@dataclass(frozen=True)
class Number:
    phone: str
    whose: str  # "own", or the contact's name and relationship

    @property
    def is_own(self) -> bool:
        return self.whose == "own"


def _whose(contact: Contact) -> str:
    kind = "emergency contact" if contact.kind == Contact.Kind.EMERGENCY else "called for them"
    relation = f", {contact.relationship}" if contact.relationship else ""
    return f"{contact.name}{relation} ({kind})"


def numbers_for(patients: Sequence[Patient]) -> dict[int, list[Number]]:
    """Each patient's numbers by patient id, own phone first (one query for all the contacts)."""
    found: dict[int, list[Number]] = defaultdict(list)
    patients = list({p.pk: p for p in patients}.values())  # a patient may be listed twice
    for patient in patients:
        if patient.phone:
            found[patient.pk].append(Number(patient.phone, "own"))
    contacts = (
        Contact.objects.filter(patient__in=[p.pk for p in patients])
        .exclude(phone="")
        .order_by("patient_id", "kind", "-recorded_at")
    )
    for contact in contacts if patients else ():
        found[contact.patient_id].append(Number(contact.phone, _whose(contact)))
    return dict(found)


def best_number(patient: Patient) -> Number | None:
    """The first number to call: the patient's own, else the emergency contact's, else a
    caller's."""
    numbers = numbers_for([patient]).get(patient.pk, [])
    return numbers[0] if numbers else None
