"""Medication forms. They parse what was typed; actions and the clinical core validate it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from detoxdesk.lib.forms import INTEGER_COLUMN_MAX, SMALL_COLUMN_MAX
from detoxdesk.medications.models import Administration, Order, PatientFacts, PdmpCheck

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
TRIGGER_SCALES = [("", "No score trigger"), ("cows", "COWS"), ("ciwa_ar", "CIWA-Ar")]


def _when(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _mg(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=9, decimal_places=3, min_value=Decimal("0.001")
    )


def _whole(
    label: str, help_text: str = "", max_value: int = SMALL_COLUMN_MAX
) -> forms.IntegerField:
    """A whole number of at least 1, bounded by its column (small unless said otherwise)."""
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=max_value, help_text=help_text
    )


def parse_times(text: str) -> list[time]:
    """ "08:00, 20:00" -> [time(8), time(20)]; ValidationError naming the bad entry."""
    found = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            found.append(time.fromisoformat(part))
        except ValueError:
            raise forms.ValidationError(f"{part!r} is not a time of day (HH:MM).") from None
    return found


def parse_schedule_text(text: str) -> list[dict[str, str]] | None:
    """One line per date: "2026-03-01 4" or "2026-03-01 1 doses=1"."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise forms.ValidationError(f"Line {number}: write the date and the daily dose in mg.")
        row = {"date": parts[0], "daily_dose_mg": parts[1]}
        if len(parts) == 3:
            row["doses"] = parts[2].removeprefix("doses=")
        rows.append(row)
    return rows or None


def schedule_text(rows: list[dict[str, str]] | None) -> str:
    if not rows:
        return ""
    return "\n".join(
        f"{r['date']} {r['daily_dose_mg']}" + (f" doses={r['doses']}" if r.get("doses") else "")
        for r in rows
    )


class OrderForm(forms.Form):
    """Every field of an order; an order set fills the initial values."""

    drug = forms.ChoiceField(label="Drug")
    dose_mg = _mg("Dose (mg)", required=True)
    route = forms.ChoiceField(label="Route", choices=Order.Route.choices)
    times_of_day = forms.CharField(
        label="Times of day (scheduled orders)",
        required=False,
        help_text="For example 08:00, 20:00. Leave empty for an as-needed order.",
    )
    prn_indication = forms.CharField(
        label="As needed for (PRN indication)", required=False, max_length=200
    )
    trigger_scale = forms.ChoiceField(label="Score trigger", choices=TRIGGER_SCALES, required=False)
    trigger_min_total = forms.IntegerField(
        label="Give when the score is at least",
        required=False,
        min_value=0,
        max_value=SMALL_COLUMN_MAX,
    )
    min_interval_min = _whole("Minimum interval between doses (min)", max_value=INTEGER_COLUMN_MAX)
    max_dose_mg = _mg("Maximum per dose (mg)")
    max_daily_mg = _mg("Maximum in 24 hours (mg)")
    hold_systolic_below = _whole("Hold if systolic below (mmHg)")
    hold_diastolic_below = _whole("Hold if diastolic below (mmHg)")
    hold_heart_rate_below = _whole(
        "Hold if heart rate below (/min)", "No source gives one: set it if you want it checked."
    )
    start_date = forms.DateField(
        label="Start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    dose_schedule = forms.CharField(
        label="Dose schedule (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One line per date: YYYY-MM-DD, the daily dose in mg, optionally doses=N.",
    )
    controlled = forms.BooleanField(label="Controlled substance", required=False)
    instructions = forms.CharField(
        label="Instructions", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    acknowledge_warnings = forms.BooleanField(
        label="I have read the safety warnings shown", required=False
    )
    override_reason = forms.CharField(
        label="Override reason (needed when the check stops the order)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, drugs: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["drug"]
        if isinstance(field, forms.ChoiceField):
            field.choices = drugs

    def clean_times_of_day(self) -> list[time]:
        return parse_times(self.cleaned_data.get("times_of_day") or "")

    def clean_dose_schedule(self) -> list[dict[str, str]] | None:
        return parse_schedule_text(self.cleaned_data.get("dose_schedule") or "")

    def values(self) -> dict[str, Any]:
        """The keyword arguments of do_sign_order for the order itself."""
        data = self.cleaned_data
        keys = (
            "drug",
            "dose_mg",
            "route",
            "times_of_day",
            "prn_indication",
            "dose_schedule",
            "trigger_scale",
            "trigger_min_total",
            "min_interval_min",
            "max_dose_mg",
            "max_daily_mg",
            "hold_systolic_below",
            "hold_diastolic_below",
            "hold_heart_rate_below",
            "start_date",
            "controlled",
            "instructions",
        )
        return {key: data.get(key) for key in keys} | {
            "prn_indication": data.get("prn_indication") or "",
            "trigger_scale": data.get("trigger_scale") or "",
            "instructions": data.get("instructions") or "",
        }


class ModifyOrderForm(OrderForm):
    reason = forms.CharField(
        label="Reason for the change", widget=forms.Textarea(attrs={"rows": 2})
    )
    # The version the form showed: a change after someone else signed a newer one is refused.
    read_version = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=SMALL_COLUMN_MAX
    )


def order_initial(order: Order) -> dict[str, Any]:
    keys = (
        "drug",
        "dose_mg",
        "route",
        "prn_indication",
        "trigger_scale",
        "trigger_min_total",
        "min_interval_min",
        "max_dose_mg",
        "max_daily_mg",
        "hold_systolic_below",
        "hold_diastolic_below",
        "hold_heart_rate_below",
        "start_date",
        "controlled",
        "instructions",
    )
    initial: dict[str, Any] = {key: getattr(order, key) for key in keys}
    initial["times_of_day"] = ", ".join(order.times_of_day)
    initial["dose_schedule"] = schedule_text(order.dose_schedule)
    return initial


class StatusForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class DoseForm(forms.Form):
    """Record one dose: outcome, time, reason; the safety confirmation; the second signer."""

    outcome = forms.ChoiceField(
        label="Outcome", choices=Administration.Outcome.choices, widget=forms.RadioSelect
    )
    occurred_at = _when("Time given (or held, refused, omitted)")
    reason = forms.CharField(
        label="Reason (needed when held, refused or omitted)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    acknowledge_warnings = forms.BooleanField(
        label="I have read the safety warnings shown", required=False
    )
    override_reason = forms.CharField(
        label="Override reason (needed to give a dose the check stopped)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rely_on_order_override = forms.BooleanField(
        label="I give this dose under the prescriber's override recorded on the order",
        required=False,
    )
    second_signer = forms.CharField(label="Second signer's username", required=False)
    second_signer_password = forms.CharField(
        label="Second signer's password", required=False, widget=forms.PasswordInput
    )
    checked = forms.CharField(required=False, widget=forms.HiddenInput)
    # A controlled product the facility keeps in the ledger: where the dose is drawn from.
    controlled_stock = forms.ChoiceField(label="Drawn from (location and lot)", required=False)
    drawn = forms.DecimalField(
        label="Units drawn", required=False, min_value=0, max_digits=12, decimal_places=3
    )
    wasted = forms.DecimalField(
        label="Units wasted (the rest of a partial dose)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=3,
    )
    waste_witness = forms.CharField(label="Waste witness's username", required=False)
    waste_witness_password = forms.CharField(
        label="Waste witness's password", required=False, widget=forms.PasswordInput
    )

    def __init__(
        self, *args: Any, stock_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {"outcome": "given", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
        )
        super().__init__(*args, **kwargs)
        choices = stock_choices or []
        self.fields["controlled_stock"].choices = [("", "Choose…"), *choices]  # type: ignore[attr-defined]
        self.draws_stock = bool(choices)

    def clean_occurred_at(self) -> datetime:
        """A time after this minute is refused here: the view clips the minute's end to now, and
        clipping a later time would record a typo (9999-12-31) silently as "now"."""
        when: datetime = self.cleaned_data["occurred_at"]
        latest = timezone.now() + timedelta(seconds=settings.FUTURE_TOLERANCE_SECONDS)
        if when > latest:
            raise forms.ValidationError("This time is in the future.")
        return when


class ReviewAlertForm(forms.Form):
    first_dose = forms.UUIDField(widget=forms.HiddenInput)
    assessment = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Review note", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _yes_no(label: str) -> forms.NullBooleanField:
    """Yes, no, or not recorded (None): unknown is never read as no."""
    choices = [("", "Not recorded"), ("true", "Yes"), ("false", "No")]
    return forms.NullBooleanField(label=label, required=False, widget=forms.Select(choices=choices))


class FactsForm(forms.Form):
    # When the facts were last saved as read: a save after someone else's is refused.
    read_mark = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    opioid_class = forms.ChoiceField(
        label="Opioid last used",
        required=False,
        choices=[("", "Not recorded"), *PatientFacts.OpioidClass.choices],
    )
    last_opioid_use_at = _when("Last opioid use", required=False)
    fentanyl_exposure = _yes_no("Fentanyl exposure (including a contaminated supply)")
    benzodiazepine_use = forms.BooleanField(label="Uses benzodiazepines", required=False)
    pregnant = _yes_no("Pregnant")
    qtc_ms = forms.IntegerField(
        label="QTc (ms)", required=False, min_value=1, max_value=SMALL_COLUMN_MAX
    )
    qtc_measured_at = _when("When the QTc was measured (ECG)", required=False)
    child_pugh_score = forms.IntegerField(
        label="Child-Pugh score", required=False, min_value=1, max_value=SMALL_COLUMN_MAX
    )
    egfr = forms.DecimalField(label="eGFR", required=False, max_digits=5, decimal_places=1)
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1
    )


class PdmpForm(forms.Form):
    """A PDMP check (SPEC A12), or why the PDMP could not be queried."""

    outcome = forms.ChoiceField(
        label="Outcome", choices=PdmpCheck.Outcome.choices, widget=forms.RadioSelect
    )
    states = forms.CharField(
        label="State(s) queried", required=False, help_text="For example OR, WA.", max_length=200
    )
    checked_at = _when("When the PDMP was checked")
    result_summary = forms.CharField(
        label="Result summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Prescriptions, prescribers, pharmacies; any opioid and benzodiazepine overlap.",
    )
    action_taken = forms.CharField(
        label="Action taken", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Why it could not be queried",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_states(self) -> list[str]:
        raw = self.cleaned_data.get("states") or ""
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


class HomeMedicationForm(forms.Form):
    """A medication the patient takes from home; the dose and frequency may be unknown."""

    drug = forms.ChoiceField(label="Home medication")
    dose_mg = _mg("Dose (mg)")
    doses_per_day = forms.IntegerField(
        label="Doses a day", required=False, min_value=1, max_value=SMALL_COLUMN_MAX
    )
    frequency = forms.CharField(
        label="How it is taken", required=False, max_length=100, help_text='E.g. "at night".'
    )

    def __init__(self, drugs: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["drug"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "—"), *drugs]


class SettingsForm(forms.Form):
    nurses_may_override_stops = forms.BooleanField(
        label="Nurses may override a safety stop (with a reason)", required=False
    )
    second_signer_for_controlled = forms.BooleanField(
        label="A controlled-substance dose needs a second signer", required=False
    )
    controlled_drugs = forms.MultipleChoiceField(
        label="Controlled substances", required=False, widget=forms.CheckboxSelectMultiple
    )
    ciwa_benzodiazepine_enabled = forms.BooleanField(
        label="Offer the CIWA-Ar-triggered benzodiazepine order set", required=False
    )
    precipitated_window_min = _whole(
        "Precipitated-withdrawal screening window after a first buprenorphine dose (min)",
        "SPEC sets none: while empty, the next COWS after the first dose is screened.",
        INTEGER_COLUMN_MAX,
    )
    vitals_max_age_min = _whole(
        "Vitals older than this are flagged before a dose with hold parameters (min)",
        "SPEC sets none: while empty, the age of vitals is not checked.",
        INTEGER_COLUMN_MAX,
    )
    prn_reassessment_min = _whole(
        "Re-assessment due this long after an as-needed dose (min)",
        "SPEC sets none: while empty, the record lists the re-assessment without a due time.",
        INTEGER_COLUMN_MAX,
    )
    shift_starts = forms.CharField(
        label="Shift start times", required=False, help_text="For example 07:00, 19:00."
    )
    pdmp_check_required = forms.NullBooleanField(
        label="PDMP check before a controlled-substance order is signed",
        required=False,
        widget=forms.Select(
            choices=[
                ("", "Shipped default: required at MOUD and controlled-substance start (CDC 2022)"),
                ("true", "Required"),
                ("false", "Not required"),
            ]
        ),
    )

    def __init__(self, drugs: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["controlled_drugs"]
        if isinstance(field, forms.ChoiceField):
            field.choices = drugs

    def clean_shift_starts(self) -> list[str]:
        times = parse_times(self.cleaned_data.get("shift_starts") or "")
        return [t.strftime("%H:%M") for t in times]


def today() -> date:
    return timezone.localdate()


class AlcoholProtocolForm(forms.Form):
    """The symptom-triggered benzodiazepine protocol, phenobarbital and the Wernicke regimen.

    SPEC A6.2-A6.4 mark every number [U]: each field ships empty and the medical director sets
    it. The form carries the version it read; a save after someone else's is refused.
    """

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)
    ciwa_drug = forms.ChoiceField(label="Benzodiazepine", required=False)
    ciwa_trigger = _whole(
        "CIWA-Ar trigger: a dose is eligible at this total or above",
        "SPEC found only local protocols: while empty, no CIWA-Ar makes the dose eligible.",
    )
    ciwa_dose_mg = _mg("Dose at each trigger (mg)")
    ciwa_reassess_min = _whole(
        "Score CIWA-Ar again this long after a CIWA-Ar at or above the trigger, or a dose (min)",
        "While empty, no re-assessment clock starts.",
        INTEGER_COLUMN_MAX,
    )
    phenobarbital_loading_mg_per_kg = forms.DecimalField(
        label="Phenobarbital option: loading dose (mg/kg)",
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    wernicke_thiamine_regimen = forms.CharField(
        label="Thiamine regimen for suspected Wernicke encephalopathy",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, drugs: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ciwa_drug"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "Not set"), *drugs]
