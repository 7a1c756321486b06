"""The ``detoxdesk`` command.

``detoxdesk calc NAME`` runs a clinical calculator: a JSON object on standard input, a JSON object
on standard output, exit status 0. Invalid input gives exit status 2 and only
``{"error": ..., "fields": {...}}`` on standard output. ``detoxdesk calc --list`` prints the names.

Any other command is Django's (``detoxdesk runserver``, ``detoxdesk migrate`` ...). Django is
imported only on that path, so the calculators run without it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from detoxdesk.clinical import calc
from detoxdesk.clinical.errors import InvalidInput

EXIT_INVALID = 2  # the calculator contract's status for rejected input
USAGE = "Usage: detoxdesk calc NAME < input.json  |  detoxdesk calc --list"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["calc"]:
        return _calc(args[1:])
    return _django(args)


def _calc(args: list[str]) -> int:
    if args in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if args == ["--list"]:
        print("\n".join(calc.names()))
        return 0
    try:
        if len(args) != 1 or args[0].startswith("-"):
            raise InvalidInput(USAGE)
        calc.get(args[0])  # an unknown name is reported before reading any input
        result = calc.run(args[0], _read_json(sys.stdin.buffer.read()))
    except InvalidInput as exc:
        _write({"error": exc.message, "fields": exc.fields})
        return EXIT_INVALID
    _write(result)
    return 0


def _read_json(data: bytes) -> object:
    """Parse standard input; InvalidInput in plain words if it is empty or not JSON."""
    if not data.strip():
        raise InvalidInput("No input: send a JSON object on standard input.")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InvalidInput(f"The input is not valid JSON ({exc.msg} at {where}).") from None
    except UnicodeDecodeError:
        raise InvalidInput("The input is not valid JSON (it is not UTF-8 text).") from None


def _write(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document) + "\n")


def _django(args: list[str]) -> int:
    """Hand ``args`` to Django's management commands (Django may exit by itself)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "detoxdesk.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["detoxdesk", *args])
    return 0
