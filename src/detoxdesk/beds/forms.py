from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.intake.forms import when_field
from detoxdesk.patients.models import Bed


def _bed_label(bed: Bed) -> str:
    unit = getattr(getattr(bed, "staff_status", None), "unit", None)
    return f"{bed.facility.name} {bed.label}" + (f" ({unit.name})" if unit else "")


class ReserveForm(forms.Form):
    bed = forms.ModelChoiceField(label="Bed", queryset=Bed.objects.none(), empty_label=None)
    expires_at = when_field("Held until")
    note = forms.CharField(label="Note for the unit (optional)", required=False, max_length=200)

    def __init__(self, beds: Any, *args: Any, hold_hours: int | None = None, **kwargs: Any) -> None:
        """``hold_hours`` (the program's setting) fills in the expiry; unset, staff enter it."""
        if hold_hours:
            until = timezone.localtime() + timedelta(hours=hold_hours)
            kwargs.setdefault("initial", {"expires_at": until.strftime("%Y-%m-%dT%H:%M")})
        super().__init__(*args, **kwargs)
        self.fields["bed"].queryset = beds  # type: ignore[attr-defined]
        self.fields["bed"].label_from_instance = _bed_label  # type: ignore[attr-defined]
        if not hold_hours:
            self.fields[
                "expires_at"
            ].help_text = "The program has not set how long a bed stays held: enter the expiry."


class ReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, give this bed back",
        error_messages={"required": "Tick to confirm that the bed is given back."},
    )


class TransferForm(forms.Form):
    to_bed = forms.ModelChoiceField(label="Move to", queryset=Bed.objects.none(), empty_label=None)
    reason = forms.CharField(label="Reason for the move", max_length=200)

    def __init__(self, beds: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_bed"].queryset = beds  # type: ignore[attr-defined]
        self.fields["to_bed"].label_from_instance = _bed_label  # type: ignore[attr-defined]
