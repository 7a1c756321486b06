from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.disclosures.information import PATIENT, Purpose


class ReleaseForm(forms.Form):
    """Who the FHIR record is for and why: the disclosure door checks the consent."""

    recipient = forms.CharField(
        label="Recipient",
        max_length=300,
        help_text='The person or organisation, as named on the consent; "patient" for the '
        "patient's own copy.",
    )
    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices, widget=forms.RadioSelect)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        recipient = " ".join(str(data.get("recipient", "")).split())
        if recipient.lower() == PATIENT and data.get("purpose") != Purpose.PATIENT_REQUEST:
            self.add_error("purpose", "The patient's own copy is made at their request.")
        return data
