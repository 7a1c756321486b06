from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.audit.events import EVENTS


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, label="User (username or name)")
    patient = forms.CharField(required=False, label="Patient (name or record number)")
    event = forms.ChoiceField(required=False, label="Event", choices=())
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event_field = self.fields["event"]
        assert isinstance(event_field, forms.ChoiceField)  # noqa: S101 - declared above
        event_field.choices = [("", "Any event"), *sorted(EVENTS.items())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class AuditReportForm(forms.Form):
    """The audit report an auditor downloads: a date range, optionally one patient."""

    date_from = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}), help_text="First day."
    )
    date_to = forms.DateField(
        label="To", widget=forms.DateInput(attrs={"type": "date"}), help_text="Last day, included."
    )
    record_number = forms.CharField(
        required=False,
        max_length=32,
        label="Patient record number",
        help_text="Leave empty for every patient.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown on the log page beside the filter form: its own element ids.
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
