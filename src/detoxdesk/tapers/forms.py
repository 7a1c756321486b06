"""Taper and MME forms. They only parse what was typed; the clinical engines validate."""

from __future__ import annotations

from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.clinical import mme, taper
from detoxdesk.lib.forms import INTEGER_COLUMN_MAX, SMALL_COLUMN_MAX
from detoxdesk.tapers.models import MethadoneFactors, TaperPlan

UNITS = [("mg", "mg"), ("mL", "mL (liquid)"), ("tablets", "tablets")]
MME_UNITS = [("mg", "mg"), ("mcg/h", "mcg/h (patch)")]
BASES = [("original", "of the original dose"), ("current", "of the current dose")]
MORE_ROWS = 3  # blank rows added by "More rows"; a layout choice, not a clinical number
FIRST_ROWS = 4


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def _dose(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=9, decimal_places=3, **kwargs)


def _reason(label: str = "Reason") -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def _rates_text() -> str:
    """The commonly cited long-term rates, as the knowledge file records them."""
    rates = "; ".join(
        f"{rate.percent:g} % per {rate.period} ({rate.every_days} days) {rate.when} ({rate.source})"
        for rate in taper.reference_rates()
    )
    return f"Commonly cited: {rates}."


def _set_drugs(field: forms.Field) -> None:
    if isinstance(field, forms.ChoiceField):
        field.choices = [("", "—"), *drug_choices()]


def drug_choices() -> list[tuple[str, str]]:
    """Every drug of the MME table, buprenorphine (excluded from the total) included."""
    counted = [(key, factor.label) for key, factor in mme.factors().items()]
    excluded = [(key, item.label) for key, item in mme.exclusions().items()]
    return sorted(counted + excluded, key=lambda pair: pair[1])


def _parse_times(raw: str) -> list[time]:
    try:
        return [time.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise forms.ValidationError("Write times as HH:MM, separated by commas.") from None


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of taper", choices=TaperPlan.Kind.choices)
    start_date = _date("First day")
    current_daily_dose = _dose("Current daily dose")
    unit = forms.ChoiceField(label="Unit", choices=UNITS, initial="mg")
    increment = _dose(
        "Smallest increment that can be given",
        help_text="Tablet strength, half film, or millilitres of liquid, in the same unit.",
    )
    days = forms.IntegerField(
        label="Days to zero (withdrawal tapers)",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,  # a software limit: the plan's dates must stay in range
        help_text="Leave empty for the default where there is one (buprenorphine).",
    )
    allow_outside_range = forms.BooleanField(
        label="Allow a number of days outside the usual range", required=False
    )
    drug = forms.ChoiceField(
        label="Opioid tapered (long-term taper)", required=False, choices=[("", "—")]
    )
    percent = forms.DecimalField(
        label="Reduction (%) per period (long-term taper)", required=False, max_digits=5
    )
    every_days = forms.IntegerField(
        label="Period in days (long-term taper)",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
    )
    of = forms.ChoiceField(label="Percentage of", choices=BASES, required=False)
    original_daily_dose = _dose("Original daily dose (if different)", required=False)
    times_of_day = forms.CharField(
        label="Times of day the doses are given (medication record)",
        required=False,
        help_text='For example "08:00" or "08:00, 20:00". Given times make the signed plan '
        "schedule the nurse's doses; leave empty to plan only. A benzodiazepine taper is not "
        "scheduled on the medication record.",
    )
    benzodiazepine = forms.CharField(
        label="Benzodiazepine tapered",
        required=False,
        max_length=taper.DRUG_MAX_LENGTH,
        help_text="For example diazepam or clonazepam.",
    )
    step_percent = forms.DecimalField(
        label="Reduction (%) of the dose before each step (benzodiazepine taper)",
        required=False,
        max_digits=5,
        decimal_places=2,
    )
    step_days = forms.IntegerField(
        label="Days between steps (benzodiazepine taper)",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
    )

    def tapered_drug(self) -> str:
        """The drug the kind chosen names (the opioid of a long-term taper, the benzodiazepine)."""
        data = self.cleaned_data
        field = "benzodiazepine" if data.get("kind") == TaperPlan.Kind.BENZODIAZEPINE else "drug"
        return str(data.get(field) or "")

    def clean_times_of_day(self) -> list[time]:
        return _parse_times(self.cleaned_data.get("times_of_day") or "")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate(), "unit": "mg"})
        super().__init__(*args, **kwargs)
        self.fields["every_days"].help_text = _rates_text()
        _set_drugs(self.fields["drug"])

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = (
            "days",
            "allow_outside_range",
            "percent",
            "every_days",
            "of",
            "original_daily_dose",
            "step_percent",
            "step_days",
        )
        return {
            **{key: data.get(key) or None for key in keys},
            "times_of_day": data["times_of_day"],
        }


class EditStepForm(forms.Form):
    new_dose = _dose("New daily dose")
    reason = _reason("Reason (required once the plan is signed)")
    # The day's dose when the form was read: a save after someone else's change is refused.
    read_dose = _dose("Dose when read", required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False


class SignForm(forms.Form):
    times_of_day = forms.CharField(
        label="Times of day the doses are given (medication record)",
        required=False,
        help_text='For example "08:00" or "08:00, 20:00". A withdrawal taper cannot be signed '
        "without them: its doses must appear on the medication record.",
    )
    acknowledged = forms.BooleanField(
        label="I have read the warnings above and sign the plan", required=False
    )

    def __init__(self, *args: Any, findings: bool, signs_order: bool, **kwargs: Any) -> None:
        """``findings``: the page shows the plan's warnings above the form; ``signs_order``:
        signing also signs a medication order, whose safety warnings (such as the naloxone offer)
        need acknowledging too. The box names only what there is to acknowledge, and is left out
        when there is nothing."""
        super().__init__(*args, **kwargs)
        box = self.fields["acknowledged"]
        if findings and signs_order:
            box.label = (
                "I have read the warnings above and acknowledge the safety warnings of the "
                "medication order this plan signs"
            )
        elif signs_order:
            box.label = (
                "I acknowledge the safety warnings of the medication order this plan signs (such "
                "as the naloxone offer or no QTc on file)"
            )
        elif not findings:
            del self.fields["acknowledged"]

    def clean_times_of_day(self) -> list[time]:
        return _parse_times(self.cleaned_data.get("times_of_day") or "")


class HoldForm(forms.Form):
    from_date = _date("Hold the dose from")
    reason = _reason()


class ResumeForm(forms.Form):
    resume_on = _date("Resume reductions on")
    reason = _reason()


class CancelForm(forms.Form):
    reason = _reason()


class HardDayForm(forms.Form):
    note = forms.CharField(label="What the patient said (optional)", required=False, max_length=500)


class OpioidForm(forms.Form):
    drug = forms.ChoiceField(label="Opioid", choices=[])
    dose = _dose("Dose")
    unit = forms.ChoiceField(label="Unit", choices=MME_UNITS)
    doses_per_day = forms.DecimalField(
        label="Doses per day",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
        help_text="Not needed for a patch.",
    )
    prescriber = forms.CharField(label="Prescriber", required=False, max_length=200)
    started_on = _date("Started on", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_drugs(self.fields["drug"])


class MmeForm(forms.Form):
    """Rows of medications; "More rows" adds blank rows without JavaScript."""

    rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=50)
    methadone_factors = forms.ChoiceField(
        label="Methadone factors", choices=MethadoneFactors.choices
    )

    def __init__(self, *args: Any, rows: int = FIRST_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_count = rows
        choices = [("", "—"), *drug_choices()]
        for i in range(rows):
            self.fields[f"drug_{i}"] = forms.ChoiceField(
                label="Opioid", choices=choices, required=False
            )
            self.fields[f"dose_{i}"] = _dose("Dose", required=False)
            self.fields[f"unit_{i}"] = forms.ChoiceField(label="Unit", choices=MME_UNITS)
            self.fields[f"per_day_{i}"] = forms.DecimalField(
                label="Doses per day", required=False, max_digits=5, decimal_places=2
            )

    def row_fields(self) -> list[list[forms.BoundField]]:
        names = ("drug", "dose", "unit", "per_day")
        return [[self[f"{name}_{i}"] for name in names] for i in range(self.row_count)]

    def medications(self) -> list[dict[str, Any]]:
        """Filled rows as calculator input (a row without a drug is ignored)."""
        data = self.cleaned_data
        items = []
        for i in range(self.row_count):
            if not data.get(f"drug_{i}"):
                continue
            item: dict[str, Any] = {
                "drug": data[f"drug_{i}"],
                "dose": _number(data.get(f"dose_{i}")),
                "unit": data.get(f"unit_{i}"),
            }
            if data.get(f"per_day_{i}") is not None or data.get(f"unit_{i}") != "mcg/h":
                item["doses_per_day"] = _number(data.get(f"per_day_{i}"))
            items.append(item)
        return items

    def row_of(self, index: int) -> int:
        """The form row of the ``index``-th filled row."""
        filled = [i for i in range(self.row_count) if self.cleaned_data.get(f"drug_{i}")]
        return filled[index]


def _number(value: object) -> object:
    """A parsed Decimal as the calculator takes it (a JSON number); None stays None."""
    return value


class SettingsForm(forms.Form):
    hold_cows_at = forms.IntegerField(
        label="Flag the next reduction at a COWS total of at least",
        required=False,
        min_value=0,
        max_value=SMALL_COLUMN_MAX,
        help_text="No source gives this number: the program chooses it. Empty: no COWS flag.",
    )
    hold_sows_at = forms.IntegerField(
        label="Flag the next reduction at a SOWS total of at least",
        required=False,
        min_value=0,
        max_value=SMALL_COLUMN_MAX,
        help_text="No source gives this number: the program chooses it. Empty: no SOWS flag.",
    )
    flag_on_hard_day = forms.BooleanField(
        label="Flag the next reduction when the patient reports a hard day", required=False
    )
    methadone_factors = forms.ChoiceField(
        label="Methadone MME factors", choices=MethadoneFactors.choices
    )
    slow_near_end_percent = forms.DecimalField(
        label="Long-term tapers: slow down from this % of the original dose",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    slow_near_end_every_days = forms.IntegerField(
        label="…reducing only every so many days",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
    )


class DiazepamEquivalentsForm(forms.Form):
    """The diazepam-equivalent table as lines of "drug | mg of diazepam per unit | source"."""

    rows = forms.CharField(
        label="Table rows",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text='One drug a line: "drug | mg of diazepam equal to one unit of it | source", '
        "the source naming the table and page the amount was read in. Empty: unset.",
    )
    read_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=INTEGER_COLUMN_MAX
    )

    def clean_rows(self) -> list[dict[str, Any]]:
        parsed: list[dict[str, Any]] = []
        problems = []
        lines = [
            line for line in (self.cleaned_data.get("rows") or "").splitlines() if line.strip()
        ]
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                problems.append(f"Line {number}: write drug | amount | source.")
                continue
            try:
                amount: Decimal | None = Decimal(parts[1])
            except InvalidOperation:
                amount = None
            if amount is not None and not amount.is_finite():
                amount = None
            parsed.append({"drug": parts[0], "diazepam_per_unit": amount, "source": parts[2]})
        if problems:
            raise forms.ValidationError(problems)
        return parsed


def equivalents_text(rows: list[dict[str, str]]) -> str:
    """The stored table as the form's lines."""
    return "\n".join(f"{r['drug']} | {r['diazepam_per_unit']} | {r['source']}" for r in rows)
