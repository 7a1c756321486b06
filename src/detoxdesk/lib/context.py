"""The stylesheets every page loads after the shared sheet (the frame is
``staff.context.site``)."""

from __future__ import annotations

# Each app's own styles, after the shared sheet.
APP_STYLESHEETS = tuple(
    f"css/{app}.css"
    for app in (
        "patients",
        "board",
        "intake",
        "beds",
        "medications",
        "controlled",
        "tapers",
        "labs",
        "outpatient",
        "aftercare",
        "directory",
        "portal",
        "staff",
        "disclosures",
        "notes",
    )
)
