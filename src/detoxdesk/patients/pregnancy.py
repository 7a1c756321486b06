"""Whether pregnancy questions apply to a patient: asked by sex at birth, never by gender identity.

Other apps ask the pregnancy question, prompt a pregnancy test and read pregnancy answers only when
:func:`can_become_pregnant` is not False.
"""

from __future__ import annotations

from detoxdesk.patients.models import Patient

# Intersex: pregnancy may be possible, so the question is asked as for a female sex at birth.
_MAY_BECOME_PREGNANT = {
    Patient.Sex.FEMALE: True,
    Patient.Sex.INTERSEX: True,
    Patient.Sex.MALE: False,
}


def can_become_pregnant(patient: Patient) -> bool | None:
    """True when the sex at birth is female or intersex, False when male, None when not recorded.

    None means "ask": a caller asks the pregnancy question unless the answer is False. The clinical
    specification gives no age range for this (SPEC A8 says "of childbearing age" without one), so
    age is not read here.
    """
    return _MAY_BECOME_PREGNANT.get(Patient.Sex(patient.sex_at_birth))


def pregnancy_may_apply(patient: Patient) -> bool:
    """Whether to ask pregnancy questions: unless sex at birth is recorded as male."""
    return can_become_pregnant(patient) is not False
