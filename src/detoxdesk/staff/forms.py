"""Staff administration forms. They check shape only; the actions check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from detoxdesk.accounts.models import Role
from detoxdesk.patients.models import Facility, Program
from detoxdesk.staff.models import Unit


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, username or e-mail",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="Accounts",
        required=False,
        choices=[
            ("", "All"),
            ("active", "Active"),
            ("inactive", "Deactivated"),
            ("locked", "Locked"),
        ],
    )


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail address", help_text="The invitation link goes here.")
    facility = forms.ModelChoiceField(queryset=Facility.objects.none(), empty_label=None)
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. You will use it to sign in.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        strip=False,
        help_text="At least 12 characters; not a common password and not like your name.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords do not match.")
        return data


class AssignRoleForm(forms.Form):
    facility = forms.ModelChoiceField(queryset=Facility.objects.none(), empty_label=None)
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    version = forms.CharField(widget=forms.HiddenInput, max_length=32)


class FacilityForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(label="Kind", choices=Facility.Kind.choices)
    version = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)


class NewFacilityForm(FacilityForm):
    program: forms.ModelChoiceField[Program] = forms.ModelChoiceField(
        queryset=Program.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        del self.fields["version"]


class UnitForm(forms.Form):
    name = forms.CharField(max_length=100)
    active = forms.BooleanField(label="In use", required=False, initial=True)
    version = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)


class BedForm(forms.Form):
    label = forms.CharField(max_length=32)
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, empty_label="No unit"
    )
    in_service = forms.BooleanField(label="In service", required=False, initial=True)
    reason = forms.CharField(
        label="Why it is out of service",
        required=False,
        max_length=200,
        help_text="Required when the bed is out of service (e.g. repairs, infection control).",
    )
    version = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            facility=facility, active=True
        )


class EmergencyAccessForm(forms.Form):
    record_number = forms.CharField(label="Record number", max_length=32)
    date_of_birth = forms.DateField(
        label="Date of birth",
        help_text="Both must match, so a typo cannot open someone else's chart.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label="Why you need this chart now",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        minimum = settings.EMERGENCY_REASON_MIN_LENGTH
        self.fields[
            "reason"
        ].help_text = f"Required, at least {minimum} characters. Your program director reads it."


class EmergencyReviewForm(forms.Form):
    q = forms.CharField(
        label="Search by staff or patient name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
