"""The note templates every program starts with. A program's director may edit or deactivate
each one (``NoteTemplate`` rows override these by key); the shipped text itself never changes.

Sections are documentation headings, not clinical rules: they hold no clinical number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class ShippedTemplate:
    key: str
    name: str
    sections: tuple[Section, ...]
    group: bool = False
    nursing: bool = False


SHIPPED: tuple[ShippedTemplate, ...] = (
    ShippedTemplate(
        "nursing_shift",
        "Nursing shift note",
        (
            Section("condition", "Condition and withdrawal symptoms"),
            Section("care", "Care given and response"),
            Section("safety", "Safety, behaviour and sleep"),
            Section("plan", "For the next shift"),
        ),
        nursing=True,
    ),
    ShippedTemplate(
        "dap",
        "DAP note",
        (
            Section("data", "Data", "What was seen and said."),
            Section("assessment", "Assessment", "What it means."),
            Section("plan", "Plan", "What happens next."),
        ),
    ),
    ShippedTemplate(
        "soap",
        "SOAP note",
        (
            Section("subjective", "Subjective"),
            Section("objective", "Objective"),
            Section("assessment", "Assessment"),
            Section("plan", "Plan"),
        ),
    ),
    ShippedTemplate(
        "birp",
        "BIRP note",
        (
            Section("behavior", "Behavior"),
            Section("intervention", "Intervention"),
            Section("response", "Response"),
            Section("plan", "Plan"),
        ),
    ),
    ShippedTemplate(
        "group",
        "Group note",
        (
            Section("summary", "Session summary", "Shared by every attendee's note."),
            Section("participation", "Participation", "This attendee's part in the session."),
            Section("plan", "Plan"),
        ),
        group=True,
    ),
    ShippedTemplate("free", "Free note", (Section("text", "Note"),)),
)

SHIPPED_BY_KEY: dict[str, ShippedTemplate] = {t.key: t for t in SHIPPED}
