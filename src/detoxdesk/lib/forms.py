from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's validation errors next to the fields they name (others at the top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS or field == "__all__":
            target = None
        for error in errors:
            form.add_error(target, error)
