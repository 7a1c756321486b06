"""The result entry form, built for one panel, and the import form."""

from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.clinical import labs
from detoxdesk.labs.models import Finding, Result
from detoxdesk.patients.models import Facility

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
NOT_TESTED = "not_tested"
OUTCOMES = [*Finding.Outcome.choices, (NOT_TESTED, "Not tested")]


class ResultForm(forms.Form):
    """One panel at a time: the specimen, when it was taken, the method, and each analyte."""

    specimen_at = forms.DateTimeField(
        label="Specimen taken",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Give the date and time the specimen was taken."},
    )

    def __init__(self, panel: labs.Panel, methods: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel
        self.fields["specimen"] = forms.ChoiceField(
            label="Specimen",
            choices=[(s, labs.SPECIMENS[s]) for s in panel.specimens],
            widget=forms.RadioSelect,
            initial=panel.specimens[0] if len(panel.specimens) == 1 else None,
            error_messages={"required": "Choose the specimen."},
        )
        self.fields["method"] = forms.ChoiceField(
            label="Method",
            choices=[(m, Result.Method(m).label) for m in methods],
            widget=forms.RadioSelect,
            initial=methods[0] if len(methods) == 1 else None,
            error_messages={"required": "Choose point of care or laboratory."},
        )
        for analyte in panel.analytes:
            self.fields[analyte.code] = _analyte_field(analyte)

    @property
    def analyte_fields(self) -> list[forms.BoundField]:
        return [self[a.code] for a in self.panel.analytes]

    def findings(self) -> dict[str, Any]:
        """Analyte code to outcome or value, leaving out what was not tested."""
        found: dict[str, Any] = {}
        for analyte in self.panel.analytes:
            value = self.cleaned_data.get(analyte.code)
            if value not in (None, "", NOT_TESTED):
                found[analyte.code] = value
        return found


def _analyte_field(analyte: labs.Analyte) -> forms.Field:
    if analyte.kind == labs.MEASURE:
        return forms.IntegerField(label=f"{analyte.label} ({analyte.unit})", required=False)
    return forms.ChoiceField(
        label=analyte.label,
        choices=OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": f"{analyte.label}: choose positive, negative or not tested."},
    )


class ImportForm(forms.Form):
    facility = forms.ModelChoiceField(
        label="Facility", queryset=Facility.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label="CSV file", error_messages={"required": "Choose the CSV file to import."}
    )

    def __init__(self, facilities: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]
