"""One set of rules for a resource's fields, used by the form, the actions and the CSV import."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from detoxdesk.directory.models import Resource, ResourceKind
from detoxdesk.directory.tags import normalise

TEXT_LIMITS = {
    "name": 200,
    "address_line": 200,
    "city": 100,
    "region": 100,
    "postcode": 20,
    "phone": 40,
    "external_id": 100,
}
TEXT_FIELDS = (*TEXT_LIMITS, "hours", "notes")
TAG_FIELDS = ("services", "languages", "payment")
EDITABLE_FIELDS = (
    *TEXT_FIELDS,
    *TAG_FIELDS,
    "kind",
    "latitude",
    "longitude",
    "website",
    "accepting_new_patients",
)
_COORD_LIMITS = {"latitude": Decimal(90), "longitude": Decimal(180)}
_SIX_PLACES = Decimal("0.000001")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def coordinate(name: str, value: object) -> Decimal | None:
    """A latitude or longitude within range, rounded to six places; None when blank."""
    text = _text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError({name: f"{text!r} is not a number."}) from None
    limit = _COORD_LIMITS[name]
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValidationError({name: f"Must be between -{limit} and {limit}."})
    return number.quantize(_SIX_PLACES)


_KIND_CODES = frozenset(ResourceKind.values)
_KIND_BY_LABEL = {str(label).lower(): code for code, label in ResourceKind.choices}


def kind(value: object) -> str:
    text = _text(value)
    code = text if text in _KIND_CODES else _KIND_BY_LABEL.get(text.lower(), "")
    if not code:
        allowed = ", ".join(ResourceKind.values)
        raise ValidationError({"kind": f"Unknown type {text!r}; use one of: {allowed}."})
    return code


def clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised field values; raises ValidationError naming every bad field."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        clean[name] = _text(values.get(name))
        limit = TEXT_LIMITS.get(name)
        if limit and len(clean[name]) > limit:
            errors[name] = f"At most {limit} characters."
    if not clean["name"]:
        errors["name"] = "A name is required."
    clean["external_id"] = clean["external_id"] or None
    for name in TAG_FIELDS:
        clean[name] = normalise(values.get(name) or [])
    clean["accepting_new_patients"] = bool(values.get("accepting_new_patients", True))
    for name, check in (
        ("kind", kind),
        ("latitude", lambda v: coordinate("latitude", v)),
        ("longitude", lambda v: coordinate("longitude", v)),
        ("website", _website),
    ):
        try:
            clean[name] = check(values.get(name))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    one_coordinate = (clean.get("latitude") is None) != (clean.get("longitude") is None)
    if "latitude" not in errors and "longitude" not in errors and one_coordinate:
        errors["longitude" if clean["longitude"] is None else "latitude"] = (
            "Give both latitude and longitude, or neither."
        )
    if errors:
        raise ValidationError(errors)
    return clean


def _website(value: object) -> str:
    text = _text(value)
    if text:
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise ValidationError({"website": "Enter a full web address (https://…)."}) from None
    return text


def changed_fields(resource: Resource, clean: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose new value differs from the stored one, as JSON-friendly values."""
    changes: dict[str, Any] = {}
    for name, new in clean.items():
        old = getattr(resource, name)
        if isinstance(old, Decimal) and isinstance(new, Decimal):
            same = old.quantize(_SIX_PLACES) == new.quantize(_SIX_PLACES)
        else:
            same = old == new
        if not same:
            changes[name] = _json(new)
    return changes


def _json(value: object) -> object:
    if isinstance(value, Decimal | date):
        return str(value)
    return value
