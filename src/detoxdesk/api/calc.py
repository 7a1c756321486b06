"""The clinical calculators over HTTP: the same engines and contract as ``detoxdesk calc``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router
from ninja.responses import Status

from detoxdesk.clinical import calc
from detoxdesk.clinical.errors import InvalidInput

router = Router(tags=["calculators"])


@router.get("/", response=list[str], summary="List the calculators")
def list_calculators(request: HttpRequest) -> list[str]:
    return list(calc.names())


@router.post(
    "/{name}/",
    response={200: dict[str, Any], 400: dict[str, Any], 404: dict[str, Any]},
    summary="Run a calculator",
)
def run_calculator(
    request: HttpRequest, name: str, payload: Body[dict[str, Any]]
) -> Status[dict[str, Any]]:
    """A JSON object in, a JSON object out; a bad field gives 400 with ``error`` and ``fields``."""
    if name not in calc.names():
        return Status(404, {"error": f"Unknown calculator {name!r}.", "fields": {}})
    try:
        return Status(200, calc.run(name, payload))
    except InvalidInput as exc:
        return Status(400, {"error": exc.message, "fields": exc.fields})
