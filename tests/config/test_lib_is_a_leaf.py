"""``detoxdesk.lib`` is the plumbing every app may use, so it imports no app of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detoxdesk.lib

LIB_DIR = Path(detoxdesk.lib.__file__).parent
MODULES = sorted(LIB_DIR.rglob("*.py"))


def app_imports(source: str) -> list[str]:
    """Every module of detoxdesk outside ``detoxdesk.lib`` that ``source`` imports, anywhere."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.extend(
                [node.module]
                if node.module != "detoxdesk"
                else [f"detoxdesk.{alias.name}" for alias in node.names]
            )
    return [name for name in names if _in_project(name) and not _in_lib(name)]


def _in_project(name: str) -> bool:
    return name == "detoxdesk" or name.startswith("detoxdesk.")


def _in_lib(name: str) -> bool:
    return name == "detoxdesk.lib" or name.startswith("detoxdesk.lib.")


def test_it_checks_the_lib_modules() -> None:
    assert {"middleware.py", "context.py", "http.py", "forms.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_lib_imports_no_app(path: Path) -> None:
    assert app_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from detoxdesk.accounts.models import User",
        "import detoxdesk.patients.models",
        "def f():\n    from detoxdesk.patients.models import Program\n",
        "from detoxdesk import audit",
    ],
)
def test_the_check_catches_an_app_import(source: str) -> None:
    assert app_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from detoxdesk.lib import requestid",
        "from detoxdesk.lib.http import client_ip",
        "from detoxdesk import lib",
        "import os",
    ],
)
def test_the_check_ignores_lib_itself(source: str) -> None:
    assert app_imports(source) == []
