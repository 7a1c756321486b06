"""The chart's notes panel: the latest notes of the episode and where to write one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.notes import queries
from detoxdesk.patients.models import Episode

PANEL_NOTES = 5


def chart_panel(episode: Episode, *, user: User, now: datetime) -> dict[str, Any]:
    """Two queries: the latest notes (with their authors and co-signatures) and the templates."""
    can_write = permissions.can(user, permissions.NOTE_WRITE, episode.facility)
    templates = queries.templates_for(episode.facility.program) if can_write else []
    return {
        "show": True,
        "episode": episode,
        "notes": list(queries.episode_notes(episode)[:PANEL_NOTES]),
        "templates": [t for t in templates if t.active and not t.group],
        "group_in_use": any(t.group and t.active for t in templates),
        "can_write": can_write,
    }
