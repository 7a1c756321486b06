"""Intake forms. They parse what was typed; the actions and the clinical core validate it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from detoxdesk.clinical import alcohol, asam4, coding, course, placement, populations
from detoxdesk.intake import evaluation_data
from detoxdesk.intake.models import (
    ContactAttempt,
    Inquiry,
    IntakeSettings,
    MinorConsent,
    PlacementSettings,
    TreatmentPlan,
)
from detoxdesk.lib import labels
from detoxdesk.lib.forms import INTEGER_COLUMN_MAX, SMALL_COLUMN_MAX
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
YES_NO = [("yes", "Yes"), ("no", "No")]
TRI = [("", "Not assessed"), ("yes", "Yes"), ("no", "No")]

SUBSTANCE_LABELS = labels.SUBSTANCES
ROUTE_LABELS = labels.ROUTES
SUICIDAL_LABELS = labels.SUICIDAL_IDEATION
REQUESTED_LABELS = labels.REQUESTED_SETTINGS
COURSE_LABELS = {key: labels.OPIOID_CLASSES[key] for key in course.OPIOID_CLASSES}


def when_field(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _yes(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _tri_initial(value: object) -> str:
    if value is True:
        return "yes"
    return "no" if value is False else ""


# --- Public inquiry ------------------------------------------------------------------------------


# Room for a long message, not for a flood (an operational cap, not a clinical number).
INQUIRY_MESSAGE_MAX_LENGTH = 4000


class InquiryForm(forms.Form):
    overdose_now = forms.ChoiceField(
        label="Is someone overdosing or unresponsive right now?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    thinking_of_suicide = forms.ChoiceField(
        label="Is the person thinking about ending their life?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    for_whom = forms.ChoiceField(
        label="Who is this for?", choices=Inquiry.ForWhom.choices, widget=forms.RadioSelect
    )
    caller_name = forms.CharField(
        label="Your name (if asking for someone else)", required=False, max_length=200
    )
    caller_relationship = forms.CharField(
        label="How you know them (if asking for someone else)", required=False, max_length=100
    )
    given_name = forms.CharField(label="First name of the person who needs help", max_length=100)
    family_name = forms.CharField(label="Last name (optional)", required=False, max_length=100)
    date_of_birth = forms.DateField(
        label="Date of birth (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label="Email (optional)", required=False, max_length=254)
    contact_method = forms.ChoiceField(
        label="Best way to reach you",
        choices=Inquiry.ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=Inquiry.ContactMethod.PHONE,
    )
    contact_time = forms.CharField(
        label="Best time to reach you (optional)",
        required=False,
        max_length=100,
        help_text="For example: weekday mornings, after 5 pm.",
    )
    facility = forms.ModelChoiceField(
        label="Where would you like help? (optional)",
        queryset=Facility.objects.none(),
        required=False,
        empty_label="No preference",
    )
    substances = forms.MultipleChoiceField(
        label="What is being used? (tick all that apply)",
        choices=list(SUBSTANCE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    last_use = forms.DateField(
        label="When was the last use? (date, optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    message = forms.CharField(
        label="Anything else you want us to know (optional)",
        required=False,
        # Anyone may post this form: every text field has a cap, so no one can fill the database.
        max_length=INQUIRY_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # A field people never see: automated senders fill it in.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facilities = Facility.objects.select_related("program").order_by("name")
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_last_use(self) -> Any:
        value = self.cleaned_data.get("last_use")
        if value and value > timezone.localdate():
            raise forms.ValidationError("This date is in the future.")
        return value

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["overdose_now"] = data["overdose_now"] == "yes"
        data["thinking_of_suicide"] = data["thinking_of_suicide"] == "yes"
        data.pop("website", None)
        data.pop("facility", None)
        return data


class StaffInquiryForm(InquiryForm):
    """The public form's questions, typed in by staff during a call, at one of their facilities."""

    def __init__(self, facilities: QuerySet[Facility], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Staff type what they hear: no hidden spam trap, and the place is theirs to choose.
        del self.fields["website"]
        field = self.fields["facility"]
        if not isinstance(field, forms.ModelChoiceField):
            raise TypeError("The facility field must be a model choice.")
        field.label = "Facility taking the inquiry"
        field.required = True
        field.empty_label = None
        field.queryset = facilities

    def is_spam(self) -> bool:
        return False


# --- The queue -----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label="Search name, phone or email", required=False, max_length=100)
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("open", "Open inquiries"), ("closed", "Closed or converted"), ("all", "All")],
    )


class ContactAttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=ContactAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    attempted_at = when_field("Time of the attempt")
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"attempted_at": local_now()})
        super().__init__(*args, **kwargs)


class ScheduleForm(forms.Form):
    evaluation_at = when_field("Evaluation date and time")
    note = forms.CharField(label="With whom, or where (optional)", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Several forms share the inquiry page: their own ids keep each label on its field.
        kwargs.setdefault("auto_id", "id_schedule_%s")
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason", choices=Inquiry.CloseReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note (where they were referred, or anything else)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Several forms share the inquiry page: their own ids keep each label on its field.
        kwargs.setdefault("auto_id", "id_close_%s")
        super().__init__(*args, **kwargs)


class ConvertForm(forms.Form):
    record_number = forms.CharField(
        label="Record number",
        required=False,
        max_length=32,
    )
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    sex_at_birth = forms.ChoiceField(label="Sex at birth", choices=Patient.Sex.choices)
    phone = forms.CharField(label="Phone", required=False, max_length=32)

    def __init__(self, *args: Any, generated_numbers: bool, **kwargs: Any) -> None:
        """``generated_numbers``: the program generates record numbers, so none need be typed."""
        super().__init__(*args, **kwargs)
        number = self.fields["record_number"]
        number.required = not generated_numbers
        number.help_text = (
            "Leave empty to give the next generated number."
            if generated_numbers
            else "This program's record numbers are entered by hand: type the patient's number."
        )

    @classmethod
    def for_inquiry(
        cls, inquiry: Inquiry, data: Any = None, *, generated_numbers: bool
    ) -> ConvertForm:
        initial = {
            key: getattr(inquiry, key)
            for key in ("given_name", "family_name", "date_of_birth", "phone")
        }
        initial["sex_at_birth"] = Patient.Sex.UNKNOWN
        return cls(data, initial=initial, generated_numbers=generated_numbers)


# --- Evaluation ----------------------------------------------------------------------------------


def _choice(label: str, labels: dict[str, str], blank: str = "Not assessed") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=[("", blank), *labels.items()])


def _tri(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=TRI, widget=forms.RadioSelect)


def _text(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _readiness_rating() -> forms.TypedChoiceField:
    """The clinician's rating of readiness to change (ASAM dimension 4), or not assessed.

    The steps and their words are the placement engine's risk scale, read from the clinical
    knowledge, so this form holds no clinical number of its own.
    """
    labels = placement.risk_labels()
    low, high = min(labels), max(labels)
    return forms.TypedChoiceField(
        label=f"Readiness to change (clinician's rating {low:d}–{high:d})",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Not assessed"),
            *((int(rating), f"{rating:d} — {label}") for rating, label in labels.items()),
        ],
        help_text=(
            f"ASAM's {low:d}–{high:d} risk scale: {low:d} {labels[low].lower()} … {high:d} "
            f"{labels[high].lower()}. It shapes how care is offered, not the recommended level; "
            f"not assessed counts as {high:d}."
        ),
    )


PAWSS_TITLE = "Alcohol: PAWSS (Prediction of Alcohol Withdrawal Severity Scale)"


class EvaluationForm(forms.Form):
    """The structured evaluation. Every answer may be left unassessed in a draft."""

    SECTIONS = (
        ("Withdrawal scores now", ("current_cows", "current_ciwa_ar")),
        ("Fentanyl, alcohol and benzodiazepines", ("fentanyl_exposure",)),
        ("Withdrawal history", ("withdrawal_seizures", "delirium_tremens", "overdose_past_year")),
        (PAWSS_TITLE, evaluation_data.PAWSS_ASKED),
        (
            "Medical",
            (
                "pregnant",
                "unstable_medical_condition",
                "liver",
                "cardiac",
                "qtc_ms",
                "infections",
                "other_medical",
            ),
        ),
        ("Psychiatric and suicide risk", ("psychiatric_history", "suicidal_ideation", "psychosis")),
        ("Readiness to change", ("readiness_rating",)),
        (
            "Home, support and transport",
            ("stable_housing", "supportive_person_at_home", "transport"),
        ),
        (
            "Treatment history and preferences",
            ("prior_treatment", "moud_experience", "preferences", "requested_setting"),
        ),
        ("Expected withdrawal course", ("course_opioid_class",)),
        ("Diagnosis", ("diagnosis_code",)),
    )

    # When the answers were last saved as read: a save after someone else's is refused.
    read_mark = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        answers: dict[str, Any] | None = None,
        pregnancy_applies: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", self.initial_from(answers or {}))
        super().__init__(*args, **kwargs)
        for number in range(1, evaluation_data.SUBSTANCE_ROWS + 1):
            self._add_substance_row(number)
        self._add_questions()
        # Asked by sex at birth (patients.pregnancy): not asked when it is recorded as male.
        self.pregnancy_applies = pregnancy_applies
        if pregnancy_applies:
            self.fields["pregnant"].help_text = populations.pregnancy_test_prompt().text
        else:
            del self.fields["pregnant"]

    def _add_substance_row(self, n: int) -> None:
        prefix = f"substance_{n}_"
        self.fields[prefix + "name"] = _choice(f"Substance {n}", SUBSTANCE_LABELS, "—")
        self.fields[prefix + "route"] = _choice(f"Route, substance {n}", ROUTE_LABELS, "Not known")
        self.fields[prefix + "amount"] = forms.CharField(
            label=f"Amount, substance {n}", required=False, max_length=100
        )
        self.fields[prefix + "frequency"] = forms.CharField(
            label=f"How often, substance {n}", required=False, max_length=100
        )
        self.fields[prefix + "daily_use"] = forms.ChoiceField(
            label=f"Daily use, substance {n}",
            required=False,
            choices=[("", "Not known"), ("yes", "Yes"), ("no", "No")],
        )
        self.fields[prefix + "last_use"] = when_field(f"Last use, substance {n}", required=False)

    def _add_questions(self) -> None:
        self.fields["current_cows"] = forms.IntegerField(
            label="COWS total now (if scored)",
            required=False,
            min_value=0,
            max_value=SMALL_COLUMN_MAX,
        )
        self.fields["current_ciwa_ar"] = forms.IntegerField(
            label="CIWA-Ar total now (if scored)",
            required=False,
            min_value=0,
            max_value=SMALL_COLUMN_MAX,
        )
        self.fields["fentanyl_exposure"] = _tri("Fentanyl exposure (known or likely in the supply)")
        self.fields["withdrawal_seizures"] = _tri("Withdrawal seizures ever")
        self.fields["delirium_tremens"] = _tri("Delirium tremens ever")
        self.fields["overdose_past_year"] = _tri("Overdose in the past year")
        labels = {item.key: item.label for item in alcohol.pawss().items}
        for key in evaluation_data.PAWSS_ASKED:
            self.fields[key] = _tri(labels[key])
        self.fields["pregnant"] = _tri("Pregnant")
        self.fields["unstable_medical_condition"] = _tri("Unstable medical condition")
        self.fields["liver"] = _text("Liver disease")
        self.fields["cardiac"] = _text("Heart disease")
        self.fields["qtc_ms"] = forms.IntegerField(
            label="QTc (ms), if known", required=False, min_value=1, max_value=SMALL_COLUMN_MAX
        )
        self.fields["infections"] = _text("Infections (for people who inject)")
        self.fields["other_medical"] = _text("Other medical conditions")
        self.fields["psychiatric_history"] = _text("Psychiatric history")
        self.fields["suicidal_ideation"] = _choice(
            "Suicide-risk screen: suicidal thoughts", SUICIDAL_LABELS
        )
        self.fields["psychosis"] = _tri("Psychosis")
        self.fields["readiness_rating"] = _readiness_rating()
        self.fields["stable_housing"] = _tri("Stable housing")
        self.fields["supportive_person_at_home"] = _tri("A supportive person at home")
        self.fields["transport"] = _text("Transport")
        self.fields["prior_treatment"] = _text("Prior treatment")
        self.fields["moud_experience"] = _text(
            "Experience with methadone, buprenorphine or naltrexone"
        )
        self.fields["preferences"] = _text("The person's preferences")
        self.fields["requested_setting"] = _choice(
            "Setting the person asks for", REQUESTED_LABELS, "None stated"
        )
        self.fields["course_opioid_class"] = _choice(
            "Opioid class for the expected course", COURSE_LABELS, "Work it out from the substances"
        )
        self.fields["diagnosis_code"] = _choice(
            "Diagnosis (ICD-10-CM)",
            {entry.code: f"{entry.code} {entry.display}" for entry in coding.diagnoses()},
            "Not recorded",
        )

    @staticmethod
    def initial_from(answers: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for n, row in enumerate(answers.get("substances", []), 1):
            for key in evaluation_data.SUBSTANCE_ROW_KEYS:
                value = row.get(key)
                if key == "daily_use":
                    value = _tri_initial(value)
                if key == "last_use" and value:
                    value = timezone.localtime(datetime.fromisoformat(value)).strftime(
                        "%Y-%m-%dT%H:%M"
                    )
                initial[f"substance_{n}_{key}"] = value
        for key in evaluation_data.TRI_STATE:
            initial[key] = _tri_initial(answers.get(key))
        for key in (
            *evaluation_data.TEXT,
            *evaluation_data.NUMBERS,
            *evaluation_data.CHOICES,
            *evaluation_data.RATINGS,
        ):
            initial[key] = answers.get(key)
        return initial

    def substance_row_fields(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"substance_{n}_{key}"] for key in evaluation_data.SUBSTANCE_ROW_KEYS]
            for n in range(1, evaluation_data.SUBSTANCE_ROWS + 1)
        ]

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, evaluation_data.SUBSTANCE_ROWS + 1):
            last = data.get(f"substance_{n}_last_use")
            if last and last > timezone.now():
                self.add_error(f"substance_{n}_last_use", "This time is in the future.")
            if not data.get(f"substance_{n}_name") and any(
                data.get(f"substance_{n}_{key}")
                for key in ("route", "amount", "frequency", "last_use")
            ):
                self.add_error(f"substance_{n}_name", "Choose the substance this row is about.")
        return data

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        rows = []
        for n in range(1, evaluation_data.SUBSTANCE_ROWS + 1):
            prefix = f"substance_{n}_"
            if not data.get(prefix + "name"):
                continue
            last = data.get(prefix + "last_use")
            rows.append(
                {
                    "name": data[prefix + "name"],
                    "route": data.get(prefix + "route") or None,
                    "amount": data.get(prefix + "amount", ""),
                    "frequency": data.get(prefix + "frequency", ""),
                    "daily_use": _yes(data.get(prefix + "daily_use")),
                    "last_use": last.isoformat() if last else None,
                }
            )
        answers: dict[str, Any] = {"substances": rows}
        for key in evaluation_data.TRI_STATE:
            answers[key] = _yes(data.get(key))
        for key in evaluation_data.TEXT:
            answers[key] = data.get(key, "")
        for key in (*evaluation_data.NUMBERS, *evaluation_data.CHOICES, *evaluation_data.RATINGS):
            answers[key] = data.get(key) if data.get(key) not in ("",) else None
        if not self.pregnancy_applies:  # not asked: known not to apply, so not worst-cased
            answers["pregnant"] = False
            answers[evaluation_data.PREGNANCY_NOT_ASKED] = True
        return answers


class LevelDecisionForm(forms.Form):
    level = forms.ChoiceField(label="Level of care", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason (required when choosing another level than recommended)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(lv.code, f"{lv.code} — {lv.name}") for lv in placement.levels()]
        self.fields["level"].choices = choices  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    # When the plan was last saved as read: a save after someone else's is refused.
    read_mark = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    problems = forms.CharField(label="Problems", widget=forms.Textarea(attrs={"rows": 6}))
    goals = forms.CharField(label="Goals", widget=forms.Textarea(attrs={"rows": 4}))
    interventions = forms.CharField(label="Interventions", widget=forms.Textarea(attrs={"rows": 6}))
    medication_pathway = forms.ChoiceField(
        label="Medication pathway", choices=TreatmentPlan.Pathway.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, pregnant: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pregnant:  # acog-711: maintenance on buprenorphine or methadone is offered first
            field = self.fields["medication_pathway"]
            field.choices = pregnancy_pathway_choices()  # type: ignore[attr-defined]
            field.help_text = populations.moud_first_offer().text


MOUD_PATHWAYS = (TreatmentPlan.Pathway.BUPRENORPHINE, TreatmentPlan.Pathway.METHADONE)


def pregnancy_pathway_choices() -> list[tuple[str, str]]:
    """The pathways for a pregnant patient: MOUD maintenance first, the rest marked as what is
    considered only if the patient declines it (acog-711)."""
    first = [(p.value, f"{p.label} — offered first in pregnancy") for p in MOUD_PATHWAYS]
    others = [
        (
            p.value,
            p.label
            if p == TreatmentPlan.Pathway.UNDECIDED
            else f"{p.label} — only if the patient declines MOUD",
        )
        for p in TreatmentPlan.Pathway
        if p not in MOUD_PATHWAYS
    ]
    return [*first, *others]


class AdmitForm(forms.Form):
    reserved_bed: Bed | None = None  # the bed held for this patient, chosen for them
    facility = forms.ModelChoiceField(label="Admit to", queryset=Facility.objects.none())
    bed = forms.ModelChoiceField(
        label="Bed (inpatient unit only)",
        queryset=Bed.objects.none(),
        required=False,
        empty_label="No bed (outpatient clinic)",
    )
    setting = forms.ChoiceField(
        label="Setting",
        required=False,
        choices=[
            ("", "As the facility (inpatient unit or outpatient clinic)"),
            *Episode.Setting.choices,
        ],
        help_text="Outpatient: the patient goes home between scheduled visits (an outpatient "
        "clinic, or a day programme at the inpatient unit, without a bed).",
    )
    admitted_at = when_field("Admitted at")
    below_level_acknowledged = forms.BooleanField(
        label="I acknowledge that this admission is below the level of care decided",
        required=False,
    )
    below_level_reason = forms.CharField(
        label="Reason for admitting below the decided level",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: the patient declines inpatient care; no bed at that level.",
    )

    def __init__(
        self,
        facilities: Any,
        free_beds: Any,
        *args: Any,
        below: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``below`` maps the id of each facility below the decided level to its warning."""
        kwargs.setdefault("initial", {"admitted_at": local_now()})
        super().__init__(*args, **kwargs)
        self.below = below or {}
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]
        self.fields["facility"].label_from_instance = self._facility_label  # type: ignore[attr-defined]
        self.fields["bed"].queryset = free_beds  # type: ignore[attr-defined]
        self.fields["bed"].label_from_instance = lambda bed: f"{bed.facility.name} {bed.label}"  # type: ignore[attr-defined]

    def ask_minor_consent(self, age: int, state_rule: str | None) -> None:
        """Add who consented to a minor's admission; the state-rule choice only when the
        program's rule lets a minor of ``age`` consent (cfr-8-12-2024 [S])."""
        choices = [(MinorConsent.GUARDIAN.value, MinorConsent.GUARDIAN.label)]
        if state_rule is not None:
            choices.append(
                (MinorConsent.STATE_RULE.value, f"{MinorConsent.STATE_RULE.label} ({state_rule})")
            )
        self.minor_age = age
        self.fields["minor_consent"] = forms.ChoiceField(
            label=f"Consent to admission (the patient is {age}, a minor)",
            choices=choices,
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["minor_consent_detail"] = forms.CharField(
            label="The parent or guardian who consented (name and relationship)",
            required=False,
            max_length=300,
        )

    def consent_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in ("minor_consent", "minor_consent_detail") if name in self.fields
        ]

    def _facility_label(self, facility: Facility) -> str:
        if facility.pk in self.below:
            return f"{facility.name} (below the decided level of care)"
        return facility.name

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("facility", "bed", "setting", "admitted_at")]


class IntakeSettingsForm(forms.Form):
    max_contact_attempts = forms.IntegerField(
        label="Unanswered contact attempts before closing as not reachable",
        required=False,
        min_value=1,
        max_value=INTEGER_COLUMN_MAX,
        help_text="Leave empty until the program decides; until then an inquiry cannot be "
        "closed as not reachable.",
    )
    record_numbers = forms.ChoiceField(
        label="Record numbers",
        choices=IntakeSettings.RecordNumbers.choices,
        widget=forms.RadioSelect,
    )
    record_number_prefix = forms.CharField(
        label="Prefix for generated record numbers", required=False, max_length=12
    )
    bed_hold_hours = forms.IntegerField(
        label="Hours a reserved bed stays held",
        required=False,
        min_value=1,
        max_value=INTEGER_COLUMN_MAX,
        help_text="The expiry offered when a coordinator reserves a bed from the intake queue. "
        "Leave empty to have the coordinator enter each expiry.",
    )
    default_facility = forms.ModelChoiceField(
        label="Where public inquiries go when no place is chosen",
        queryset=Facility.objects.none(),
        required=False,
        empty_label="The first facility by name",
    )

    minor_consent_from_age = forms.IntegerField(
        label="A minor may consent without a guardian from age",
        required=False,
        min_value=1,
        max_value=SMALL_COLUMN_MAX,
        help_text="Your state's rule (state laws differ; the product ships none). Leave empty "
        "and every minor's admission needs a parent's or guardian's consent.",
    )
    minor_consent_rule = forms.CharField(
        label="The state law that allows it",
        required=False,
        max_length=300,
        help_text="Cited on each admission under it, e.g. the statute's name and section.",
    )

    def __init__(self, program: Program, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_facility"].queryset = program.facilities.all()  # type: ignore[attr-defined]


class EditionsForm(forms.Form):
    """Which ASAM edition staff see first and which one reports use (SPEC A11)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INTEGER_COLUMN_MAX
    )
    edition_shown = forms.ChoiceField(
        label="Edition staff see first",
        choices=PlacementSettings.Edition.choices,
        widget=forms.RadioSelect,
        help_text="Placement decides in the 3rd edition either way; the 4th-edition level is "
        "shown through the mapping table below, marked unconfirmed until you confirm it.",
    )
    edition_reports = forms.ChoiceField(
        label="Edition reports use",
        choices=PlacementSettings.Edition.choices,
        widget=forms.RadioSelect,
    )


class ConfirmMappingForm(forms.Form):
    """The medical director's confirmation of the 3rd-to-4th-edition table, one level per row."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INTEGER_COLUMN_MAX
    )
    confirm = forms.BooleanField(
        label="As the program's medical director, I have checked this table against the ASAM "
        "Criteria, 4th edition, and confirm it",
        error_messages={"required": "Tick to confirm the table."},
    )

    def __init__(self, *args: Any, confirmed: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level, row in asam4.mapping().items():
            self.fields[f"map_{level}"] = forms.ChoiceField(
                label=f"{level} becomes",
                choices=[("", "Choose a level"), *((code, code) for code in row.candidates)],
                initial=(confirmed or {}).get(level) or row.code or "",
                error_messages={"required": f"Choose the 4th-edition level for {level}."},
            )

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"map_{level}"] for level in asam4.mapping()]

    def mapping(self) -> dict[str, str]:
        return {level: self.cleaned_data[f"map_{level}"] for level in asam4.mapping()}
