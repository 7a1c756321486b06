"""Flowsheet forms. They only parse what was typed; the clinical core validates and scores."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.clinical import scales, vitals

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _when_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _vital_fields() -> dict[str, forms.Field]:
    """One field per vital sign, and the confirmation a value outside the typo-check range needs."""
    fields: dict[str, forms.Field] = {}
    for field in vitals.fields():
        fields[field.key] = (
            forms.DecimalField(
                required=False, decimal_places=1, label=f"{field.label} ({field.unit})"
            )
            if field.decimal
            else forms.IntegerField(required=False, label=f"{field.label} ({field.unit})")
        )
    fields["confirm"] = forms.BooleanField(
        required=False, label="I confirm these values were measured as entered"
    )
    fields["confirm_token"] = forms.CharField(required=False, widget=forms.HiddenInput)
    return fields


def _token(values: dict[str, object], fields: Any) -> str:
    """The values of ``fields`` as entered, in one string the confirmation carries."""
    return ";".join(f"{key}={values.get(key)}" for key in sorted(fields))


class AssessmentForm(forms.Form):
    """One radio group per item of the scale, with every allowed value and its anchor."""

    def __init__(self, scale: scales.Scale, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"performed_at": _local_now()})
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.fields["performed_at"] = _when_field("Time of assessment")
        if scale.code == "cows":
            # Bounded like the vitals form's heart rate: never negative, never beyond the column.
            pulse = next(f for f in vitals.fields() if f.key == "heart_rate")
            self.fields["measured_heart_rate"] = forms.IntegerField(
                required=False,
                min_value=None if pulse.min_possible is None else int(pulse.min_possible),
                max_value=None if pulse.max_storable is None else int(pulse.max_storable),
                label="Measured resting heart rate (/min)",
                help_text="Optional: fills in the pulse item from the measured rate.",
            )
        for item in scale.items:
            self.fields[item.key] = forms.IntegerField(
                required=False,
                label=item.label,
                help_text=item.prompt,
                widget=forms.RadioSelect(
                    choices=[(o.value, f"{o.value} — {o.anchor}") for o in item.options]
                ),
            )
        if scale.administered_by == "self":
            self.fields["on_behalf_of_patient"] = forms.BooleanField(
                required=False,
                initial=True,
                label="Entered by staff with the patient's answers",
            )
        self.fields["note"] = forms.CharField(
            required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)"
        )
        self.with_vitals = scale.code == "cows"
        if self.with_vitals:
            # The vital signs taken with the COWS, saved with it in one transaction.
            self.fields.update(_vital_fields())

    def item_fields(self) -> list[forms.BoundField]:
        return [self[item.key] for item in self.scale.items]

    def vital_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in vitals.fields()] if self.with_vitals else []

    def vital_values(self) -> dict[str, object] | None:
        """The vital signs entered with the scale (None on a form without them)."""
        if not self.with_vitals:
            return None
        return {f.key: self.cleaned_data.get(f.key) for f in vitals.fields()}

    def token(self, fields: Any) -> str:
        return _token(self.vital_values() or {}, fields)

    def confirmed(self, fields: Any) -> bool:
        data = self.cleaned_data
        return bool(data.get("confirm")) and data.get("confirm_token") == self.token(fields)

    def answers(self) -> dict[str, object]:
        return {
            item.key: self.cleaned_data.get(item.key)
            for item in self.scale.items
            if self.cleaned_data.get(item.key) is not None
        }


class VitalsForm(forms.Form):
    """The vital signs, plus the confirmation a value outside the typo-check range needs.

    ``confirm_token`` names the values the nurse confirmed, so changing one after confirming asks
    again. Only the clinical core decides what is refused or unusual.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"measured_at": _local_now()})
        super().__init__(*args, **kwargs)
        self.fields["measured_at"] = _when_field("Time measured")
        self.fields.update(_vital_fields())

    def measurement_fields(self) -> list[forms.BoundField]:
        return [self["measured_at"], *(self[f.key] for f in vitals.fields())]

    def values(self) -> dict[str, object]:
        return {f.key: self.cleaned_data.get(f.key) for f in vitals.fields()}

    def token(self, fields: Any) -> str:
        """The values of ``fields`` as entered, in one string the confirmation carries."""
        return _token(self.values(), fields)

    def confirmed(self, fields: Any) -> bool:
        """True when the box is ticked for exactly these values of ``fields``."""
        data = self.cleaned_data
        return bool(data.get("confirm")) and data.get("confirm_token") == self.token(fields)
