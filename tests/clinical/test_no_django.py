"""The clinical core must never import Django (STYLE.md rule 2)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import detoxdesk.clinical

CLINICAL_DIR = Path(detoxdesk.clinical.__file__).parent
MODULES = sorted(CLINICAL_DIR.rglob("*.py"))


def django_imports(source: str) -> list[str]:
    """Every module name imported by ``source`` that is Django or part of it."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return [name for name in names if name == "django" or name.startswith("django.")]


def test_it_checks_some_modules() -> None:
    assert {"scales.py", "calc.py", "knowledge.py", "vitals.py", "errors.py"} <= {
        path.name for path in MODULES
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_it_finds_no_django_import_in_the_clinical_core(path: Path) -> None:
    assert django_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "import os, django.conf",
        "from django.db import models",
        "def f():\n    from django import forms\n",
        "try:\n    import django.utils.timezone as tz\nexcept ImportError:\n    pass\n",
    ],
)
def test_the_check_catches_any_django_import(source: str) -> None:
    assert django_imports(source) != []


@pytest.mark.parametrize("source", ["import djangoish", "from .django import x", "import os"])
def test_the_check_ignores_other_imports(source: str) -> None:
    assert django_imports(source) == []


def test_it_imports_the_calculators_without_loading_django() -> None:
    code = (
        "import detoxdesk.clinical.scales, detoxdesk.clinical.calc, detoxdesk.cli, sys\n"
        "from detoxdesk.clinical import calc\n"
        "calc.run('cows', dict.fromkeys([i.key for i in "
        "detoxdesk.clinical.scales.get_scale('cows').items], 0))\n"
        "assert not any(m.startswith('django') for m in sys.modules), 'django was imported'\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, no shell
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
