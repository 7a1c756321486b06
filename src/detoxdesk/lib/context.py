from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from detoxdesk.accounts import permissions
from detoxdesk.staff.nav import staff_nav

CRISIS_LINES = (
    ("988", "Suicide & Crisis Lifeline — call or text", "tel:988"),
    ("1-800-662-4357", "SAMHSA National Helpline — free, confidential, 24/7", "tel:18006624357"),
    ("911", "Emergency — someone may be overdosing or in danger", "tel:911"),
)


# Each app's own styles, after the shared sheet.
APP_STYLESHEETS = tuple(
    f"css/{app}.css"
    for app in (
        "patients",
        "intake",
        "medications",
        "tapers",
        "aftercare",
        "directory",
        "portal",
        "staff",
        "disclosures",
    )
)


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: crisis lines and the signed-in user's menu."""
    user = request.user
    nav: list[tuple[str, str]] = []
    if user.is_authenticated:
        if permissions.can(user, permissions.CENSUS_VIEW):
            nav.append(("patients:census", "Census"))
        if permissions.can(user, permissions.INQUIRY_MANAGE):
            nav.append(("intake:queue", "Intake"))
        if permissions.can(user, permissions.EVALUATION_RECORD):
            nav.append(("intake:worklist", "Evaluations"))
        if permissions.can(user, permissions.FOLLOW_UP_RECORD):
            nav.append(("aftercare:follow_ups", "Follow-ups"))
        if permissions.can(user, permissions.DIRECTORY_VIEW):
            nav.append(("directory:list", "Resources"))
        if permissions.can(user, permissions.CHART_VIEW):
            nav.append(("tapers:mme", "MME"))
        if permissions.can(user, permissions.AUDIT_VIEW):
            nav.append(("audit:log", "Audit log"))
        if permissions.can(user, permissions.DISCLOSURE_REVIEW):
            nav.append(("disclosures:emergencies", "Emergency disclosures"))
        if permissions.can(user, permissions.PROGRAM_CONFIGURE):
            nav.append(("patients:program_settings", "Program settings"))
        nav.extend(staff_nav(user))
    return {"crisis_lines": CRISIS_LINES, "staff_nav": nav, "app_stylesheets": APP_STYLESHEETS}
