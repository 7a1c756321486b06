from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest

from detoxdesk.accounts.auth import check_password

# Far longer than any password manager makes, short enough that no one can make the server hash
# megabytes (an operational cap).
PASSWORD_MAX_LENGTH = 256


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        help_text="After adding Detox Desk to the app, type the 6-digit code it shows.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    secret = forms.CharField(
        label="Your password, or a code from your authenticator app",
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class CheckedPasswordChangeForm(PasswordChangeForm):
    """Django's change form, with the old password checked through the product's one path."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old = str(self.cleaned_data.get("old_password") or "")
        result = check_password(
            self.request, username=self.user.get_username(), password=old, purpose="password_change"
        )
        if result.user is None:
            raise forms.ValidationError(
                (result.error if result.locked else None)
                or "Your old password was entered incorrectly.",
                code="password_incorrect",
            )
        return old
