from __future__ import annotations

from typing import Any

from django import forms

from detoxdesk.clinical import vitals

_WORD = {"low": "below", "high": "above"}


class EpisodeIntervalForm(forms.Form):
    assessment_interval_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        label="Assessment interval for this episode (minutes)",
        help_text="Leave empty to use the program's interval.",
    )


class ProgramSettingsForm(forms.Form):
    """The director's clinical policy choices; every field starts empty (none is a default)."""

    assessment_interval_minutes = forms.IntegerField(
        required=False,
        min_value=1,
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

    def vital_field_pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"{f.key}_low"], self[f"{f.key}_high"]) for f in vitals.fields()]

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
        return data

    def vital_ranges(self) -> dict[str, dict[str, float | None]]:
        ranges = {}
        for field in vitals.fields():
            low = self.cleaned_data.get(f"{field.key}_low")
            high = self.cleaned_data.get(f"{field.key}_high")
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
