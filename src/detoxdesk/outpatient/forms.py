"""Outpatient forms. They parse what was typed; the actions validate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.intake.forms import local_now, when_field
from detoxdesk.lib.forms import SMALL_COLUMN_MAX
from detoxdesk.outpatient.actions import MAX_EVERY_DAYS


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class VisitPlanForm(forms.Form):
    first_visit_on = _date("First visit")
    every_days = forms.IntegerField(
        label="Days between visits",
        min_value=1,
        max_value=MAX_EVERY_DAYS,
        help_text="1 for daily visits; otherwise as ordered.",
    )
    last_visit_on = _date("Last visit (optional)", required=False)
    home_check_ins = forms.BooleanField(
        label="The patient sends a SOWS from home on the days between visits", required=False
    )
    read_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"first_visit_on": timezone.localdate(), "every_days": 1, "home_check_ins": True},
        )
        super().__init__(*args, **kwargs)


class VisitForm(forms.Form):
    attended_at = when_field("Patient seen at")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"attended_at": local_now()})
        super().__init__(*args, **kwargs)


class TakeHomeForm(forms.Form):
    stock = forms.ChoiceField(label="Location and lot")
    units = forms.DecimalField(
        label="Units dispensed to take home",
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)

    def __init__(self, *args: Any, stock_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].choices = [("", "Choose…"), *stock_choices]  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="What was decided",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: seen today, dose unchanged; or moved to inpatient care.",
    )
    reasons_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20000)

    def reasons(self) -> list[str]:
        return [line for line in self.cleaned_data.get("reasons_seen", "").split("\n") if line]


class SettingsForm(forms.Form):
    review_cows_rise = forms.IntegerField(
        label="Review when a COWS total rises by at least",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
        help_text="No source gives this number: the program chooses it. Empty: unset.",
    )
    review_sows_rise = forms.IntegerField(
        label="Review when a SOWS total rises by at least",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
        help_text="No source gives this number: the program chooses it. Empty: unset.",
    )
    read_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
