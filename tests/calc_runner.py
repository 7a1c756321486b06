"""Run the ``detoxdesk`` command in a subprocess, as a user or another program would."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_cli(*args: str, stdin: str = "", command: list[str] | None = None) -> tuple[int, str, str]:
    """Run ``detoxdesk ARGS`` (by default ``python -m detoxdesk``): (status, stdout, stderr)."""
    argv = command or [sys.executable, "-m", "detoxdesk"]
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        [*argv, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stdout, done.stderr


def run_calc(name: str, payload: object) -> tuple[int, dict[str, Any], str]:
    """Run ``detoxdesk calc NAME`` on ``payload`` as JSON: (status, parsed stdout, stderr)."""
    status, stdout, stderr = run_cli("calc", name, stdin=json.dumps(payload))
    return status, json.loads(stdout), stderr
