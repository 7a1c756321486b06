"""Discharge and follow-up forms. They parse what was typed; the actions validate the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.aftercare.items import MOUD_OPTIONS, NALOXONE_OPTIONS, bridge_drug_choices
from detoxdesk.aftercare.models import DischargeKind
from detoxdesk.clinical import aftercare as rules
from detoxdesk.lib import labels
from detoxdesk.lib.forms import SMALL_COLUMN_MAX

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
STATUS_LABELS = {
    rules.ITEM_DONE: "Done",
    rules.ITEM_DECLINED: "Declined by the patient (give the reason)",
    rules.ITEM_NOT_APPLICABLE: "Not applicable (give the reason)",
}
OPIOID_CLASS_LABELS = {key: labels.OPIOID_CLASSES[key] for key in rules.OPIOID_CLASSES}
YES_NO_UNKNOWN = [("", "Not known"), ("yes", "Yes"), ("no", "No")]


def when_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _text(label: str, *, required: bool = False, rows: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, widget=widget)


class StartDischargeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of discharge",
        choices=DischargeKind.choices,
        widget=forms.RadioSelect,
        help_text="Left against medical advice opens a short form: naloxone, the overdose "
        "warning and crisis numbers.",
    )


def _bridge_fields() -> dict[str, forms.Field]:
    return {
        "bridge_drug": forms.ChoiceField(
            label="Bridge prescription: medicine",
            required=False,
            choices=[("", "Choose"), *bridge_drug_choices()],
        ),
        "bridge_dose_mg": forms.DecimalField(
            label="Bridge prescription: dose (mg a day)",
            required=False,
            max_digits=6,
            decimal_places=2,
        ),
        "bridge_days": forms.IntegerField(
            label="Bridge prescription: days",
            required=False,
            min_value=1,
            max_value=SMALL_COLUMN_MAX,
        ),
    }


def _moud_fields() -> dict[str, forms.Field]:
    return {
        "moud_option": forms.ChoiceField(
            label="Medication",
            required=False,
            choices=list(MOUD_OPTIONS.items()),
            widget=forms.RadioSelect,
        ),
        "buprenorphine_prescription": _text("Buprenorphine prescription (dose, days, prescriber)"),
        "methadone_program": _text("Methadone program"),
        "last_dose_mg": forms.DecimalField(
            label="Last methadone dose given here (mg)",
            required=False,
            max_digits=7,
            decimal_places=2,
        ),
        "last_dose_at": when_field("Time of that dose", required=False),
        **_bridge_fields(),
        "last_opioid_use": when_field(
            "Last opioid use", required=False, help_text="For the naltrexone start date."
        ),
        "opioid_class": forms.ChoiceField(
            label="Opioid last used",
            required=False,
            choices=[("", "Choose"), *OPIOID_CLASS_LABELS.items()],
        ),
    }


def _handoff_fields() -> dict[str, forms.Field]:
    return {
        "provider_name": _text("Provider the patient will see"),
        "appointment_at": when_field("Appointment date and time", required=False),
        "place": _text("Place (address)"),
        "phone": _text("Phone"),
        "acknowledge_late": forms.BooleanField(
            label="I acknowledge this appointment is later than recommended", required=False
        ),
    }


def _naloxone_fields() -> dict[str, forms.Field]:
    return {
        "naloxone_how": forms.ChoiceField(
            label="Naloxone",
            required=False,
            choices=list(NALOXONE_OPTIONS.items()),
            widget=forms.RadioSelect,
        )
    }


DETAIL_FIELDS = {
    "moud": _moud_fields,
    "warm_handoff": _handoff_fields,
    "naloxone": _naloxone_fields,
}


class ItemForm(forms.Form):
    """How one bundle item was resolved, with the details of "done" for that item."""

    def __init__(
        self,
        rule: rules.BundleItemRule,
        *args: Any,
        opioid_use_disorder: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.opioid_use_disorder = opioid_use_disorder
        statuses = [rules.ITEM_DONE, rules.ITEM_DECLINED]
        if rule.not_applicable_allowed(opioid_use_disorder=opioid_use_disorder):
            statuses.append(rules.ITEM_NOT_APPLICABLE)
        self.fields["status"] = forms.ChoiceField(
            label="Outcome",
            choices=[(s, STATUS_LABELS[s]) for s in statuses],
            widget=forms.RadioSelect,
        )
        self.fields["reason"] = _text("Reason (when declined or not applicable)", rows=2)
        self.detail_names = list(DETAIL_FIELDS.get(rule.code, dict)())
        self.fields.update(DETAIL_FIELDS.get(rule.code, dict)())

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.detail_names]

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.detail_names}


class AmaForm(forms.Form):
    naloxone = forms.ChoiceField(
        label="Naloxone",
        choices=[*NALOXONE_OPTIONS.items(), ("declined", "Offered and declined")],
        widget=forms.RadioSelect,
    )
    overdose_warning_given = forms.BooleanField(
        label="Overdose and lost-tolerance warning given", required=False
    )
    crisis_numbers_given = forms.BooleanField(
        label="Crisis numbers given (988, SAMHSA National Helpline, 911)", required=False
    )
    moud = forms.ChoiceField(
        label="MOUD (medication for opioid use disorder)",
        required=False,
        choices=[
            ("bridge", "Offered: bridge prescription given"),
            ("declined", "Offered and declined"),
        ],
        widget=forms.RadioSelect,
        help_text="Required when opioid use disorder is recorded: MOUD is always offered.",
    )
    not_given_reason = _text("Why anything above was declined or not given", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_bridge_fields())

    def bridge_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("bridge_drug", "bridge_dose_mg", "bridge_days")]


class ReferralForm(forms.Form):
    name = _text("Name", required=True)
    kind = _text("Type (therapy, mutual help, sober living ...)")
    address = _text("Address")
    phone = _text("Phone")
    note = _text("Note for the patient")
    obstetric_contact = forms.CharField(
        label="Obstetric contact",
        required=False,
        max_length=300,
        help_text="For a pregnant patient: who follows the pregnancy, and how to reach them.",
    )

    def __init__(self, *args: Any, pregnancy_may_apply: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not pregnancy_may_apply:  # asked by sex at birth (patients.pregnancy)
            del self.fields["obstetric_contact"]


class AppointmentForm(forms.Form):
    provider_name = _text("Provider or service", required=True)
    when = when_field("Date and time")
    place = _text("Place (address)")
    phone = _text("Phone")


class SummaryTextForm(forms.Form):
    medications_text = forms.CharField(
        label="Medications and doses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In plain words, one per line, as the patient should take them.",
    )
    instructions = forms.CharField(
        label="Other instructions", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The text's fingerprint when read: a save after someone else's change is refused.
    read_fingerprint = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        empty_value=None,
    )


class FollowUpForm(forms.Form):
    reached = forms.TypedChoiceField(
        label="Was the patient reached?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
    )
    engaged_in_moud = _yes_no("Engaged in MOUD")
    opioid_use = _yes_no("Any opioid use since discharge")
    overdose = _yes_no("Any overdose")
    readmitted = _yes_no("Readmitted anywhere")
    needs_help_now = forms.BooleanField(
        label="Needs help now (opens an inquiry in the intake queue)", required=False
    )
    note = _text("Note", rows=3)

    def outcomes(self) -> dict[str, bool | None]:
        return {
            key: self.cleaned_data.get(key)
            for key in ("engaged_in_moud", "opioid_use", "overdose", "readmitted")
        }


class AftercareSettingsForm(forms.Form):
    follow_up_days = forms.CharField(
        label="Follow-up days after discharge",
        required=False,
        help_text="Whole days separated by commas, for example 3, 7, 30, 90. Leave empty for "
        "the shipped default.",
    )
    overdue_grace_days = forms.IntegerField(
        label="Days a follow-up stays due before it is overdue",
        required=False,
        min_value=0,
        max_value=SMALL_COLUMN_MAX,
        help_text="Not set by default: a follow-up is then overdue from the day after it is due.",
    )

    def clean_follow_up_days(self) -> list[int]:
        text = self.cleaned_data["follow_up_days"].strip()
        if not text:
            return []
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("Use whole numbers separated by commas.") from None
