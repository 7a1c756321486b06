"""Portal settings that are not clinical: how long an invitation link stays usable."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def invitation_lifetime() -> timedelta:
    """An operational choice, not a clinical one: ``PORTAL_INVITATION_HOURS``."""
    return timedelta(hours=settings.PORTAL_INVITATION_HOURS)
