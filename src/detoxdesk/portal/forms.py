"""Portal forms: big, simple inputs for a phone."""

from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.accounts.forms import PASSWORD_MAX_LENGTH
from detoxdesk.clinical import scales
from detoxdesk.portal.models import CRAVING_MAX, CRAVING_MIN


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. You will use it to sign in.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords do not match.")
        return data


class SowsForm(forms.Form):
    """One question per SOWS item, answered 0-4 with the scale's own words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scales.get_scale("sows")
        for item in self.scale.items:
            self.fields[item.key] = forms.TypedChoiceField(
                label=item.prompt or item.label,
                coerce=int,
                required=True,
                error_messages={"required": "Please choose an answer."},
                choices=[(o.value, f"{o.value} — {o.anchor}") for o in item.options],
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, object]:
        return {item.key: self.cleaned_data[item.key] for item in self.scale.items}


class CravingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How strong is your craving right now?",
        coerce=int,
        choices=[(n, str(n)) for n in range(CRAVING_MIN, CRAVING_MAX + 1)],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 to 10."},
        help_text="0 means no craving at all; 10 means the strongest craving you can imagine.",
    )
    note = forms.CharField(
        label="Anything you want your care team to know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
