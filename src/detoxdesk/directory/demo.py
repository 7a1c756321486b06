"""Demo data for the directory app, loaded after the demo patients exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext


def load(demo: DemoContext) -> None:
    """Add this app's demo records (none yet)."""
