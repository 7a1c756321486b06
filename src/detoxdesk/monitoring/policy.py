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
    ranges = []
    for key, limits in (program.vital_ranges or {}).items():
        low, high = limits.get("low"), limits.get("high")
        if low is None and high is None:
            continue
        ranges.append(vitals.VitalRange(key=key, low=low, high=high, source=PROGRAM_SOURCE))
    return ranges
