from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from detoxdesk.accounts.auth import ReauthFormMixin
from detoxdesk.lib.forms import INTEGER_COLUMN_MAX
from detoxdesk.notes.actions import COSIGN_ROLE_CHOICES, TEXT_MAX, section_field
from detoxdesk.notes.models import Note

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _when_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="A note written later than the late-entry window after this is marked late.",
    )


def _read_version() -> forms.IntegerField:
    return forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=0, max_value=INTEGER_COLUMN_MAX
    )


def local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class NoteForm(forms.Form):
    """The sections of a template (or of a draft), when it happened, and the goal addressed."""

    event_at = _when_field("When it happened")
    goal = forms.ChoiceField(label="Treatment-plan goal addressed", required=False)
    read_version = _read_version()

    def __init__(
        self, sections: list[dict[str, Any]], goals: list[str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.section_keys = [s["key"] for s in sections]
        cast(forms.ChoiceField, self.fields["goal"]).choices = [
            ("", "No goal (not part of the golden thread)")
        ] + [(g, g) for g in goals]
        if not goals:
            self.fields["goal"].help_text = "This episode has no treatment plan with goals yet."
        for s in sections:
            self.fields[section_field(s["key"])] = forms.CharField(
                label=s["label"],
                required=False,
                max_length=TEXT_MAX,
                strip=False,
                help_text=s.get("hint", ""),
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def section_values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(section_field(key)) or "" for key in self.section_keys}


def note_initial(note: Note) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "event_at": timezone.localtime(note.event_at).strftime("%Y-%m-%dT%H:%M"),
        "goal": note.goal,
        "read_version": note.version,
    }
    initial.update({section_field(s["key"]): s["text"] for s in note.sections})
    return initial


class SignForm(ReauthFormMixin):
    read_version = _read_version()


class AddendumForm(ReauthFormMixin):
    text = forms.CharField(
        label="Addendum",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Dated and signed now, shown beneath the note. The note itself does not change.",
    )


class CosignForm(ReauthFormMixin):
    pass


class GroupForm(forms.Form):
    topic = forms.CharField(label="Topic of the group", max_length=200)
    event_at = _when_field("When the group met")
    summary = forms.CharField(
        label="Session summary (shared by every attendee's note)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80)
    sections = forms.CharField(
        label="Section headings, one a line",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Notes already written keep the headings they were written with.",
    )
    read_version = _read_version()

    def labels(self) -> list[str]:
        return str(self.cleaned_data["sections"]).splitlines()


class ActiveForm(forms.Form):
    read_version = _read_version()
    confirm = forms.BooleanField(
        label="Yes, take this template out of use",
        help_text="Notes written with it stay as they are; no new note can use it.",
    )


class SettingsForm(forms.Form):
    cosign_roles = forms.MultipleChoiceField(
        label="Notes by these roles need a co-signature",
        required=False,
        choices=[(str(r), r.label) for r in COSIGN_ROLE_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    read_version = _read_version()


class AcceptForm(ReauthFormMixin):
    note = forms.ChoiceField(label="The note the correction goes beneath", required=False)
    text = forms.CharField(
        label="The correction, as it goes into the record",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, notes: list[Note], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if notes:
            cast(forms.ChoiceField, self.fields["note"]).choices = [("", "Choose a note")] + [
                (str(n.uuid), f"{n.title}, {timezone.localtime(n.event_at):%d %b %Y %H:%M}")
                for n in notes
            ]
        else:
            del self.fields["note"]


class DenyForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the denial (the patient reads it)",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestForm(forms.Form):
    note = forms.ChoiceField(label="The note to correct", required=False)
    record = forms.CharField(
        label="Or: which other part of your record",
        required=False,
        max_length=200,
        help_text="For example: my allergies, my address.",
    )
    correction = forms.CharField(
        label="What is wrong, and what it should say",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, notes: list[Note], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["note"]).choices = [("", "Not a note")] + [
            (str(n.uuid), f"{n.title}, {timezone.localtime(n.event_at):%d %b %Y}") for n in notes
        ]


class DisagreementForm(forms.Form):
    disagreement = forms.CharField(
        label="Your statement of disagreement",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="It is attached to your record and shown with the part you asked to correct.",
    )
