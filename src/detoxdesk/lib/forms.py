from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

# The largest values the database columns hold (software limits, not clinical ones): a form field
# that saves into such a column is bounded by them, so a keying slip gets a field error instead of
# failing to save. PositiveSmallIntegerField and PositiveIntegerField on every supported database.
SMALL_COLUMN_MAX = 32767
INTEGER_COLUMN_MAX = 2147483647


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
