"""Directory forms: they parse what was typed; ``validation`` and the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.directory import geo, search
from detoxdesk.directory.models import Resource, ResourceKind
from detoxdesk.directory.tags import as_text

# Search radius choices in miles: a convenience for finding services, not a clinical value.
RADIUS_MILES = (5, 10, 25, 50, 100)
DEFAULT_RADIUS_MILES = 25
TAG_HELP = "Separate entries with semicolons, e.g. “buprenorphine; counseling”."


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Type", choices=[("", "Choose a type…"), *ResourceKind.choices])
    address_line = forms.CharField(label="Street address", required=False, max_length=200)
    city = forms.CharField(required=False, max_length=100)
    region = forms.CharField(label="State or region", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode or ZIP", required=False, max_length=20)
    latitude = forms.CharField(
        required=False, help_text="Decimal degrees, -90 to 90 (e.g. 40.7128)."
    )
    longitude = forms.CharField(
        required=False, help_text="Decimal degrees, -180 to 180 (e.g. -74.0060)."
    )
    phone = forms.CharField(required=False, max_length=40)
    website = forms.CharField(required=False, max_length=200)
    hours = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    services = forms.CharField(required=False, help_text=TAG_HELP)
    languages = forms.CharField(required=False, help_text=TAG_HELP)
    payment = forms.CharField(label="Payment accepted", required=False, help_text=TAG_HELP)
    accepting_new_patients = forms.BooleanField(required=False, initial=True)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    external_id = forms.CharField(
        label="External ID (optional)",
        required=False,
        max_length=100,
        help_text="The identity the CSV import uses to update this resource.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
        self.fields["phone"].widget.input_type = "tel"

    @staticmethod
    def initial_for(resource: Resource) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(resource, name)
            for name in ResourceForm.base_fields
            if name not in ("services", "languages", "payment")
        }
        for name in ("services", "languages", "payment"):
            initial[name] = as_text(getattr(resource, name))
        initial["external_id"] = resource.external_id or ""
        return initial


class VerifyForm(forms.Form):
    verified_on = forms.DateField(
        label="Details checked on",
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Name, city or ZIP", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *ResourceKind.choices]
    )
    service = forms.CharField(
        label="Service", required=False, max_length=100, help_text="e.g. buprenorphine"
    )
    language = forms.CharField(label="Language", required=False, max_length=100)
    near = forms.CharField(
        label="Near (ZIP, postcode, place or “lat, lon”)", required=False, max_length=100
    )
    radius = forms.TypedChoiceField(
        label="Within",
        required=False,
        coerce=int,
        choices=[(m, f"{m} miles") for m in RADIUS_MILES],
        initial=DEFAULT_RADIUS_MILES,
    )
    accepting = forms.BooleanField(label="Accepting new patients only", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        near = (data.get("near") or "").strip()
        self.point = search.locate(near) if near else None
        if near and self.point is None:
            self.add_error(
                "near",
                "We do not know that place. Try a ZIP or postcode, a town name, or "
                "coordinates like “40.71, -74.00”.",
            )
        return data

    def criteria(self) -> search.Criteria:
        data = self.cleaned_data
        radius = data.get("radius") or DEFAULT_RADIUS_MILES
        return search.Criteria(
            text=data.get("q", "").strip(),
            kinds=[data["kind"]] if data.get("kind") else [],
            service=data.get("service", "").strip(),
            language=data.get("language", "").strip(),
            accepting_only=bool(data.get("accepting")),
            near=self.point,
            radius_km=geo.miles_to_km(radius) if self.point else None,
        )
