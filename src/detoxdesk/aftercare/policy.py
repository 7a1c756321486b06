"""A program's aftercare settings, with the shipped defaults where the program set none."""

from __future__ import annotations

from detoxdesk.aftercare.models import AftercareSettings
from detoxdesk.clinical import aftercare as rules
from detoxdesk.patients.models import Program


def settings_for(program: Program) -> AftercareSettings:
    """The program's settings row, or an unsaved one holding the defaults (saved on first edit)."""
    found = AftercareSettings.objects.filter(program=program).first()
    return found or AftercareSettings(program=program)


def follow_up_days(settings: AftercareSettings) -> tuple[int, ...]:
    """The program's follow-up days, else the shipped default (knowledge/aftercare.toml)."""
    return tuple(settings.follow_up_days) or rules.default_follow_up_days()
