"""The clinical calculators over HTTP: the same engines and contract as ``detoxdesk calc``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from ninja import Body, Path, Router
from ninja.responses import Status

from detoxdesk.api.problems import problem, responses
from detoxdesk.clinical import calc
from detoxdesk.clinical.errors import InvalidInput

router = Router(tags=["calculators"])

# The calculator names as the schema's enum of the path; a name that is not one of them is a 404.
# Its members come from the calculator registry, which mypy cannot read statically.
CalculatorName = StrEnum(  # type: ignore[misc]
    "CalculatorName", [(name, name) for name in calc.names()]
)


@router.get("/", response=responses({200: list[str]}), summary="List the calculators")
def list_calculators(request: HttpRequest) -> list[str]:
    return list(calc.names())


@router.post(
    "/{name}/",
    response=responses({200: dict[str, Any]}, 400, 403, 404),
    summary="Run a calculator",
)
def run_calculator(
    request: HttpRequest,
    name: Path[CalculatorName],
    payload: Body[dict[str, Any]],
) -> Status[dict[str, Any]]:
    """A JSON object of the calculator's input fields in, a JSON object out; each calculator
    checks its own fields, and a bad one gives 400 naming it in ``fields``; a name that is not a
    calculator's gives 404."""
    try:
        return Status(200, calc.run(name.value, payload))
    except InvalidInput as exc:
        return Status(400, problem(exc.message, dict(exc.fields)))
