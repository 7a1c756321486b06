"""The calculators behind ``detoxdesk calc NAME``: JSON-ready input in, JSON-ready output out.

Each calculator takes a mapping (a parsed JSON object) and returns a dict of JSON values, raising
InvalidInput with per-field messages. Adding a calculator is one entry in :data:`CALCULATORS`; the
command line, and any web or API caller, find it there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from detoxdesk.clinical import (
    aftercare,
    alcohol,
    course,
    dosing,
    induction,
    mme,
    placement,
    scales,
    taper,
)
from detoxdesk.clinical.errors import InvalidInput

Calculator = Callable[[Mapping[str, Any]], dict[str, Any]]


def _scale_calculator(code: str) -> Calculator:
    """A calculator scoring scale ``code``; the payload's keys are the item keys."""

    def calculate(payload: Mapping[str, Any]) -> dict[str, Any]:
        scale = scales.get_scale(code)
        result = scales.score(scale, payload)
        return {
            "scale": result.scale,
            "total": result.total,
            "band": result.band,
            "band_label": result.band_label,
            "max_total": scale.max_total,
            "source": result.source,
            "band_source": result.band_source,
            "items": dict(result.items),
        }

    calculate.__doc__ = f"Score {code} from its item answers (see scales.score)."
    return calculate


CALCULATORS: dict[str, Calculator] = {
    "cows": _scale_calculator("cows"),
    "sows": _scale_calculator("sows"),
    "ciwa-ar": _scale_calculator("ciwa_ar"),
    "induction-readiness": induction.readiness_calculator,
    "dose-check": dosing.dose_check_calculator,
    "mme": mme.calculator,
    "taper": taper.calculator,
    "placement": placement.calculate,
    "withdrawal-course": course.calculate,
    "naltrexone-start": aftercare.calculate,
    "pawss": alcohol.calculator,
}


def names() -> tuple[str, ...]:
    """The calculator names, sorted."""
    return tuple(sorted(CALCULATORS))


def get(name: str) -> Calculator:
    """The calculator ``name``; InvalidInput naming the known calculators if there is none."""
    calculator = CALCULATORS.get(name)
    if calculator is None:
        raise InvalidInput(f"Unknown calculator {name!r}. Known calculators: {', '.join(names())}.")
    return calculator


def run(name: str, payload: object) -> dict[str, Any]:
    """Run calculator ``name`` on ``payload``, which must be a JSON object (a str-keyed mapping).

    Sources: those of the calculator (each result carries its ``source``). Raises InvalidInput for
    an unknown calculator, a payload that is not an object, or bad fields.
    """
    calculator = get(name)
    if not isinstance(payload, Mapping) or not all(isinstance(key, str) for key in payload):
        raise InvalidInput("The input must be a JSON object of field names and values.")
    return calculator(payload)
