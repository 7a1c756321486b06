from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.clinical import products, vitals
from detoxdesk.lib.forms import INTEGER_COLUMN_MAX
from detoxdesk.patients.models import Allergy, Contact, Episode, Patient

_WORD = {"low": "below", "high": "above"}


class EpisodeIntervalForm(forms.Form):
    assessment_interval_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=INTEGER_COLUMN_MAX,
        label="Assessment interval for this episode (minutes)",
        help_text="Leave empty to use the program's interval.",
    )


class CodeStatusForm(forms.Form):
    """The episode's code status, with the version it was read at."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INTEGER_COLUMN_MAX
    )
    code_status = forms.ChoiceField(
        label="Code status", choices=Episode.CodeStatus.choices, widget=forms.RadioSelect
    )
    code_status_note = forms.CharField(
        label="Note",
        required=False,
        max_length=300,
        help_text="Who decided, and any limits (needed for limited interventions).",
    )

    @classmethod
    def for_episode(cls, episode: Episode, data: Any = None) -> CodeStatusForm:
        initial = {
            "version": episode.code_status_version,
            "code_status": episode.code_status,
            "code_status_note": episode.code_status_note,
        }
        return cls(data, initial=initial)


class PatientSearchForm(forms.Form):
    """Find a patient by name or record number, and/or date of birth."""

    q = forms.CharField(
        label="Name or record number",
        required=False,
        max_length=100,
        help_text="Part of a given, family or preferred name, or the whole record number.",
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    born = forms.DateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        query = (cleaned.get("q") or "").strip()
        cleaned["q"] = query
        if query and len(query) < 2 and not cleaned.get("born"):
            self.add_error("q", "Type at least two letters, or add the date of birth.")
        return cleaned

    @property
    def asked(self) -> bool:
        """True when the form is valid and holds a name, number or date to search for."""
        return self.is_valid() and bool(self.cleaned_data["q"] or self.cleaned_data["born"])


class ProgramSettingsForm(forms.Form):
    """The director's clinical policy choices; every field starts empty (none is a default)."""

    assessment_interval_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=INTEGER_COLUMN_MAX,
        label="Withdrawal assessment interval (minutes)",
        help_text="How often COWS or CIWA-Ar is due for each active episode.",
    )
    sows_bands = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="SOWS bands (optional)",
        help_text="One per line as “name low-high”, the last may be “name low+”. "
        "SOWS has no published bands; leave empty to show the total only.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in vitals.fields():
            for end in ("low", "high"):
                self.fields[f"{field.key}_{end}"] = forms.DecimalField(
                    required=False,
                    label=f"{field.label} — flag {_WORD[end]} ({field.unit})",
                    min_value=field.low,
                    max_value=field.high,
                    decimal_places=1,
                )

        for field in vitals.fields():
            for end, word in (("low", "below"), ("high", "above")):
                self.fields[f"{field.key}_hard_{end}"] = forms.DecimalField(
                    required=False,
                    label=f"{field.label} — refuse entries {word} ({field.unit})",
                    min_value=0,
                    max_digits=5,
                    decimal_places=1,
                )

    def vital_field_pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"{f.key}_low"], self[f"{f.key}_high"]) for f in vitals.fields()]

    def hard_limit_pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"{f.key}_hard_low"], self[f"{f.key}_hard_high"]) for f in vitals.fields()]

    def clean_sows_bands(self) -> list[dict[str, Any]]:
        text = self.cleaned_data.get("sows_bands") or ""
        bands: list[dict[str, Any]] = []
        for number, line in enumerate(filter(None, (ln.strip() for ln in text.splitlines())), 1):
            bands.append(_parse_band(line, number))
        bands.sort(key=lambda b: b["low"])
        for before, after in zip(bands, bands[1:], strict=False):
            if before["high"] is None or before["high"] >= after["low"]:
                raise forms.ValidationError("SOWS bands must not overlap.")
        return bands

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in vitals.fields():
            low, high = data.get(f"{field.key}_low"), data.get(f"{field.key}_high")
            if low is not None and high is not None and low >= high:
                self.add_error(f"{field.key}_high", "The high flag must be above the low flag.")
            low, high = data.get(f"{field.key}_hard_low"), data.get(f"{field.key}_hard_high")
            if low is not None and high is not None and low >= high:
                self.add_error(
                    f"{field.key}_hard_high", "The upper hard limit must be above the lower one."
                )
        return data

    def vital_ranges(self, kind: str = "") -> dict[str, dict[str, float | None]]:
        """Per vital sign, the low/high values entered: the flags, or ``kind="hard_"`` limits."""
        ranges = {}
        for field in vitals.fields():
            low = self.cleaned_data.get(f"{field.key}_{kind}low")
            high = self.cleaned_data.get(f"{field.key}_{kind}high")
            if low is not None or high is not None:
                ranges[field.key] = {
                    "low": float(low) if low is not None else None,
                    "high": float(high) if high is not None else None,
                }
        return ranges


def _parse_band(line: str, number: int) -> dict[str, Any]:
    try:
        name, limits = line.rsplit(" ", 1)
        if limits.endswith("+"):
            low, high = int(limits[:-1]), None
        else:
            low_text, high_text = limits.split("-")
            low, high = int(low_text), int(high_text)
    except ValueError:
        raise forms.ValidationError(
            f"Line {number} should look like “mild 0-10” or “severe 31+”."
        ) from None
    if low < 0 or (high is not None and high < low):
        raise forms.ValidationError(f"Line {number}: the range is not valid.")
    slug = name.strip().lower().replace(" ", "_")
    return {"name": slug, "label": name.strip(), "low": low, "high": high}


def sows_bands_text(bands: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{b['label']} {b['low']}+"
        if b.get("high") is None
        else f"{b['label']} {b['low']}-{b['high']}"
        for b in bands
    )


# --- Allergies and demographics ------------------------------------------------------------------

OTHER_SUBSTANCE = "other"
OTHER_HELP = (
    "Only for a substance that is not in the list. Free text is shown to staff but matches no "
    "medicine: the medication check cannot stop an order for it."
)


class AllergyForm(forms.Form):
    """One allergy: a substance from the ingredient list, or "other" with its name typed in."""

    substance = forms.ChoiceField(label="Substance")
    other_substance = forms.CharField(
        label="Other substance", required=False, max_length=200, help_text=OTHER_HELP
    )
    reaction = forms.CharField(
        label="Reaction", required=False, max_length=200, help_text="For example: rash, hives."
    )
    severity = forms.ChoiceField(
        label="Severity", choices=Allergy.Severity.choices, initial=Allergy.Severity.UNKNOWN
    )
    reported_by = forms.ChoiceField(
        label="Who reported it",
        required=False,
        choices=[("", "Not recorded"), *Allergy.Reporter.choices],
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substance"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a substance"),
            *products.ingredient_choices(),
            (OTHER_SUBSTANCE, "Other substance (type it below)"),
        ]

    @classmethod
    def for_allergy(cls, allergy: Allergy, data: Any = None) -> AllergyForm:
        initial = {
            "substance": allergy.substance or OTHER_SUBSTANCE,
            "other_substance": allergy.other_substance,
            "reaction": allergy.reaction,
            "severity": allergy.severity,
            "reported_by": allergy.reported_by,
            "note": allergy.note,
        }
        return cls(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        other = (data.get("other_substance") or "").strip()
        if data.get("substance") == OTHER_SUBSTANCE:
            if not other:
                self.add_error("other_substance", "Type the name of the other substance.")
        elif other:
            self.add_error(
                "other_substance",
                "Leave this empty when the substance is chosen from the list, or choose "
                "“Other substance”.",
            )
        return data

    def values(self) -> dict[str, str]:
        data = self.cleaned_data
        code = data["substance"]
        return {
            "substance": "" if code == OTHER_SUBSTANCE else code,
            "other_substance": data["other_substance"].strip() if code == OTHER_SUBSTANCE else "",
            "reaction": data["reaction"].strip(),
            "severity": data["severity"],
            "reported_by": data["reported_by"],
            "note": data["note"].strip(),
        }


class RemoveAllergyForm(forms.Form):
    reason = forms.CharField(
        label="Why is this entry removed?",
        max_length=200,
        help_text="For example: entered in error, or the patient tolerated it since.",
    )


class DemographicsForm(forms.Form):
    """The patient's identity, own phone and emergency contact, with the version it was read at."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INTEGER_COLUMN_MAX
    )
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    preferred_name = forms.CharField(label="Preferred name", required=False, max_length=100)
    pronouns = forms.CharField(label="Pronouns", required=False, max_length=32)
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    sex_at_birth = forms.ChoiceField(label="Sex at birth", choices=Patient.Sex.choices)
    phone = forms.CharField(
        label="The patient's own phone",
        required=False,
        max_length=32,
        help_text="Not a relative's number: that belongs to the emergency contact.",
    )
    contact_name = forms.CharField(label="Emergency contact: name", required=False, max_length=200)
    contact_relationship = forms.CharField(
        label="Emergency contact: relationship", required=False, max_length=100
    )
    contact_phone = forms.CharField(label="Emergency contact: phone", required=False, max_length=32)

    @classmethod
    def for_patient(
        cls, patient: Patient, contact: Contact | None, data: Any = None
    ) -> DemographicsForm:
        initial: dict[str, Any] = {key: getattr(patient, key) for key in PATIENT_KEYS}
        initial["version"] = patient.version
        if contact is not None:
            initial.update(
                contact_name=contact.name,
                contact_relationship=contact.relationship,
                contact_phone=contact.phone,
            )
        return cls(data, initial=initial)

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born

    def patient_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            key: data[key].strip() if isinstance(data[key], str) else data[key]
            for key in PATIENT_KEYS
        }

    def contact_values(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"contact_{key}"].strip()
            for key in ("name", "relationship", "phone")
        }


PATIENT_KEYS = (
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "sex_at_birth",
    "phone",
)
