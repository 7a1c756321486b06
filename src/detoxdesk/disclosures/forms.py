"""Forms of the disclosure door. Each validates its input; the actions check every element again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from detoxdesk.disclosures import actions
from detoxdesk.disclosures.information import Information, Purpose
from detoxdesk.disclosures.models import Consent

CONSENT_INFORMATION = [
    (code, label) for code, label in Information.choices if code != Information.COUNSELING_NOTES
]
RELEASABLE = [
    (Information.CHART.value, "The chart (summary print)"),
    (Information.DISCHARGE_SUMMARY.value, "The discharge summary"),
    (Information.TAPER_CALENDAR.value, "The taper calendar"),
]
SPECIFIC_PURPOSES = [(c, label) for c, label in Purpose.choices if c != Purpose.PATIENT_REQUEST]


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=Consent.Kind.choices, initial=Consent.Kind.SPECIFIC)
    disclosing_party = forms.CharField(
        max_length=300,
        label="Who may make the disclosure",
        help_text="The program, or the person or class of persons allowed to disclose.",
    )
    information = forms.MultipleChoiceField(
        choices=CONSENT_INFORMATION,
        widget=forms.CheckboxSelectMultiple,
        label="What information may be disclosed",
    )
    information_detail = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="More specific description (optional)",
        help_text="For example a date range, or the admission it concerns.",
    )
    recipient_names = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Recipients, one name per line",
        help_text="Not used by the single TPO consent, which names its class of recipients.",
    )
    recipient_is_covered_entity = forms.BooleanField(
        required=False,
        label="The recipient is a HIPAA covered entity or business associate (adds the "
        "redisclosure statement)",
    )
    purposes = forms.MultipleChoiceField(
        required=False,
        choices=SPECIFIC_PURPOSES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The single TPO consent covers treatment, payment and health care operations.",
    )
    expires_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Expires on"
    )
    expiry_event = forms.ChoiceField(
        required=False,
        choices=[("", "No event: it expires on the date")] + list(Consent.ExpiryEvent.choices),
        label="Or expires at",
    )
    signature_method = forms.ChoiceField(
        choices=Consent.Signature.choices, widget=forms.RadioSelect, label="Signature"
    )
    signer_name = forms.CharField(required=False, max_length=200, label="Signed by")
    signer_authority = forms.CharField(
        required=False, max_length=200, label="Authority to sign (if not the patient)"
    )
    signed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Date signed"
    )
    scan = forms.FileField(
        required=False,
        label="Scanned signed consent (PDF, PNG or JPEG, at most 5 MB)",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(actions.SCAN_TYPES)}),
    )

    def clean_recipient_names(self) -> list[str]:
        text: str = self.cleaned_data["recipient_names"]
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean_scan(self) -> actions.Scan | None:
        upload: UploadedFile | None = self.cleaned_data.get("scan")
        if not upload:
            return None
        if upload.size is not None and upload.size > actions.SCAN_MAX_BYTES:
            raise forms.ValidationError("The scan is larger than 5 MB.")
        scan = actions.Scan(
            content=upload.read(),
            content_type=upload.content_type or "",
            name=upload.name or "scan",
        )
        problem = actions.scan_problem(scan)
        if problem:
            raise forms.ValidationError(problem)
        return scan

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["information"] = list(data["information"])
        data["purposes"] = list(data["purposes"])
        return data


class RevokeForm(forms.Form):
    received_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="Written revocation received on"
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (how it was received)",
    )
    confirm = forms.BooleanField(
        label="I have the patient's written revocation. No new disclosure will be made under "
        "this consent; disclosures already made stand."
    )


class PortalSignForm(forms.Form):
    typed_name = forms.CharField(max_length=200, label="Type your full name to sign")
    agree = forms.BooleanField(
        label="I have read this consent and I agree to it. I know I can revoke it in writing."
    )


class PortalRevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label="I revoke this consent. I understand disclosures already made cannot be undone."
    )


class ReleaseForm(forms.Form):
    FOR_PATIENT = "patient"
    FOR_OTHER = "other"

    information = forms.ChoiceField(choices=RELEASABLE, label="What to print")
    audience = forms.ChoiceField(
        choices=[
            (FOR_PATIENT, "The patient themself (a copy at their request)"),
            (FOR_OTHER, "Someone outside the program"),
        ],
        widget=forms.RadioSelect,
        label="Who is it for",
    )
    recipient = forms.CharField(required=False, max_length=300, label="Recipient's name")
    purpose = forms.ChoiceField(
        required=False, choices=[("", "Choose the purpose")] + SPECIFIC_PURPOSES
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") == self.FOR_OTHER:
            if not (data.get("recipient") or "").strip():
                self.add_error("recipient", "Name who the record is for.")
            if not data.get("purpose"):
                self.add_error("purpose", "Choose why the record is disclosed.")
        return data

    def recipient_and_purpose(self) -> tuple[str, str]:
        data = self.cleaned_data
        if data["audience"] == self.FOR_PATIENT:
            return "patient", Purpose.PATIENT_REQUEST.value
        return data["recipient"], data["purpose"]

    def description(self) -> str:
        return dict(RELEASABLE)[self.cleaned_data["information"]]


class EmergencyForm(forms.Form):
    information = forms.ChoiceField(choices=RELEASABLE, label="What was disclosed")
    personnel = forms.CharField(max_length=200, label="Medical personnel who received it")
    personnel_facility = forms.CharField(max_length=300, label="Their facility")
    nature = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Nature of the medical emergency",
    )
    confirm = forms.BooleanField(
        label="This was a bona fide medical emergency and the patient's consent could not be "
        "obtained first (42 CFR 2.51)."
    )


class AccountingPeriodForm(forms.Form):
    since = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="From",
        help_text="Leave empty for the last three years.",
    )
