"""The program's clinical choices, turned into the plain values the clinical core takes."""

from __future__ import annotations

from collections.abc import Sequence

from detoxdesk.clinical import scales, vitals
from detoxdesk.patients.models import Program

PROGRAM_SOURCE = "program-policy"


def scale_bands(program: Program, scale: scales.Scale) -> Sequence[scales.Band] | None:
    """SOWS bands only when the program chose some; other scales keep their published bands."""
    if scale.code != "sows":
        return None
    return tuple(
        scales.Band(
            name=str(band["name"]),
            label=str(band.get("label") or band["name"]),
            low=int(band["low"]),
            high=None if band.get("high") is None else int(band["high"]),
            source=PROGRAM_SOURCE,
        )
        for band in program.sows_bands or []
    )


def vital_ranges(program: Program) -> list[vitals.VitalRange]:
    """The ranges outside which the program wants a vital sign flagged (none unless set)."""
    return _ranges(program.vital_ranges or {})


def hard_limits(program: Program) -> list[vitals.VitalRange] | None:
    """The program's numeric hard limits for entries, or None for the knowledge file's own.

    SPEC A5.2 marks numeric hard limits [U]: they ship unset, and a program may set them.
    """
    ranges = _ranges(program.vital_hard_limits or {})
    return ranges or None


def _ranges(table: dict[str, dict[str, float | None]]) -> list[vitals.VitalRange]:
    ranges = []
    for key, limits in table.items():
        low, high = limits.get("low"), limits.get("high")
        if low is not None or high is not None:
            ranges.append(vitals.VitalRange(key=key, low=low, high=high, source=PROGRAM_SOURCE))
    return ranges
