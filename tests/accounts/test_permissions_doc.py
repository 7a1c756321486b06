from __future__ import annotations

from pathlib import Path

from detoxdesk.accounts.models import Role
from detoxdesk.accounts.permissions import CAPABILITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _documented() -> dict[str, set[str]]:
    """The capability table in docs/permissions.md, as capability -> role labels ticked."""
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    table = {}
    for line in lines[2:]:
        name, *marks = [cell.strip() for cell in line.strip("|").split("|")]
        table[name.strip("`")] = {role for role, mark in zip(header, marks, strict=True) if mark}
    return table


def test_the_permissions_page_matches_the_capability_table() -> None:
    in_code: dict[str, set[str]] = {}
    for role in Role:
        for capability in CAPABILITIES[role]:
            in_code.setdefault(capability, set()).add(str(role.label))
    documented = _documented()
    assert {cap: roles for cap, roles in documented.items() if roles} == in_code
