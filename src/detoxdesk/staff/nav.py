from __future__ import annotations

from typing import Any

from detoxdesk.accounts import permissions


def staff_nav(user: Any) -> list[tuple[str, str]]:
    """The staff app's menu entries for ``user`` (url name, label)."""
    entries = []
    if permissions.can(user, permissions.STAFF_MANAGE):
        entries.append(("staff:list", "Staff"))
    if permissions.can(user, permissions.FACILITY_MANAGE):
        entries.append(("staff:facilities", "Facilities"))
    if permissions.can(user, permissions.EMERGENCY_REVIEW):
        entries.append(("staff:emergency_review", "Emergency review"))
    if permissions.can(user, permissions.EMERGENCY_ACCESS):
        entries.append(("staff:emergency", "Emergency access"))
    if permissions.can(user, permissions.STAFF_MANAGE) or permissions.can(
        user, permissions.CENSUS_VIEW
    ):
        entries.append(("api_tokens:list", "API tokens"))
    return entries
