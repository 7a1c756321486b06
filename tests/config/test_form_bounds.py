"""Every number a staff form takes is bounded, so no keying slip reaches a database column that
cannot hold it (a server error, or a PostgreSQL refusal after part of a save)."""

from __future__ import annotations

import inspect

import pytest
from django import forms

from detoxdesk.aftercare import forms as aftercare_forms
from detoxdesk.intake import forms as intake_forms
from detoxdesk.medications import forms as medication_forms
from detoxdesk.monitoring import forms as monitoring_forms
from detoxdesk.patients import forms as patient_forms
from detoxdesk.tapers import forms as taper_forms

MODULES = [
    aftercare_forms,
    intake_forms,
    medication_forms,
    monitoring_forms,
    patient_forms,
    taper_forms,
]


def _forms() -> list[type[forms.Form]]:
    found = []
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _instance(cls: type[forms.Form]) -> forms.BaseForm | None:
    try:
        return cls()
    except TypeError:
        return None  # needs arguments: covered by the request tests of its page


# The clinical core bounds the vitals (vitals.toml: min_possible, max_storable) with its own
# messages; the form leaves them to it (tests/monitoring/test_record_vitals.py).
LEFT_TO_THE_CORE = {monitoring_forms.VitalsForm}


def _unbounded(form: forms.BaseForm) -> list[str]:
    if type(form) in LEFT_TO_THE_CORE:
        return []
    loose = []
    for name, field in form.fields.items():
        if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
            if field.max_value is None or field.min_value is None:
                loose.append(name)
        elif isinstance(field, forms.DecimalField) and field.max_digits is field.max_value is None:
            loose.append(name)
    return loose


@pytest.mark.django_db
@pytest.mark.parametrize("cls", _forms(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_it_bounds_every_number_a_staff_form_takes(cls):
    form = _instance(cls)
    if form is None:
        pytest.skip("the form needs arguments")
    assert _unbounded(form) == []
