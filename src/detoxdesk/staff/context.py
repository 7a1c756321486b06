"""What every page's frame needs: the crisis numbers, the signed-in user's menu, the stylesheets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from detoxdesk.accounts import permissions
from detoxdesk.clinical.crisis import crisis_lines
from detoxdesk.lib.context import APP_STYLESHEETS
from detoxdesk.staff.nav import staff_nav

# (number, label, href) for each crisis line, in the order shown (clinical/knowledge/crisis.toml).
CRISIS_LINES = tuple((line.number, line.label, line.href) for line in crisis_lines())


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: crisis lines and the signed-in user's menu."""
    user = request.user
    nav: list[tuple[str, str]] = []
    if user.is_authenticated:
        if permissions.can(user, permissions.CENSUS_VIEW):
            nav.append(("patients:census", "Census"))
            nav.append(("beds:board", "Beds"))
        if permissions.can(user, permissions.INQUIRY_MANAGE):
            nav.append(("intake:queue", "Intake"))
        if permissions.can(user, permissions.EVALUATION_RECORD):
            nav.append(("intake:worklist", "Evaluations"))
        if permissions.can(user, permissions.FOLLOW_UP_RECORD):
            nav.append(("aftercare:follow_ups", "Follow-ups"))
        if permissions.can(user, permissions.DIRECTORY_VIEW):
            nav.append(("directory:list", "Resources"))
        if permissions.can(user, permissions.CHART_VIEW):
            nav.append(("patients:search", "Find a patient"))
            if permissions.can(user, permissions.CENSUS_VIEW):
                nav.append(("patients:handoff", "Handoff"))
            nav.append(("tapers:mme", "MME"))
        if permissions.can(user, permissions.LAB_RECORD_LABORATORY):
            nav.append(("labs:import", "Import results"))
        if permissions.can(user, permissions.NOTE_WRITE):
            nav.append(("notes:mine", "My drafts"))
        if permissions.can(user, permissions.NOTE_COSIGN):
            nav.append(("notes:cosign_list", "Co-sign"))
        if permissions.can(user, permissions.AMENDMENT_DECIDE):
            nav.append(("notes:amendments", "Amendments"))
        if permissions.can(user, permissions.CONTROLLED_VIEW):
            nav.append(("controlled:index", "Controlled"))
        if permissions.can(user, permissions.AUDIT_VIEW):
            nav.append(("audit:log", "Audit log"))
        if permissions.can(user, permissions.DISCLOSURE_REVIEW):
            nav.append(("disclosures:emergencies", "Emergency disclosures"))
        if permissions.can(user, permissions.PROGRAM_CONFIGURE):
            nav.append(("patients:program_settings", "Program settings"))
        nav.extend(staff_nav(user))
    return {"crisis_lines": CRISIS_LINES, "staff_nav": nav, "app_stylesheets": APP_STYLESHEETS}
