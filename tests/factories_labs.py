"""Factory functions for drug tests and other results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.labs import actions
from detoxdesk.labs.models import Result
from detoxdesk.patients.models import Episode

ALL_NEGATIVE = {
    "fentanyl": "negative",
    "opiates": "negative",
    "buprenorphine": "negative",
    "methadone": "negative",
    "oxycodone": "negative",
    "benzodiazepines": "negative",
    "amphetamines": "negative",
    "cocaine": "negative",
}


def record_screen(
    episode: Episode, user: User, at: datetime | None = None, **findings: str
) -> Result:
    """A point-of-care urine drug screen, every assay negative unless given."""
    return actions.do_record_result(
        episode,
        acting_user=user,
        panel="urine_drug_screen",
        specimen="urine",
        specimen_at=at or timezone.now() - timedelta(minutes=30),
        method="point_of_care",
        findings={**ALL_NEGATIVE, **findings},
    )


def record_result(
    episode: Episode,
    user: User,
    panel: str,
    findings: dict[str, Any],
    *,
    specimen: str,
    at: datetime | None = None,
    method: str = "point_of_care",
) -> Result:
    return actions.do_record_result(
        episode,
        acting_user=user,
        panel=panel,
        specimen=specimen,
        specimen_at=at or timezone.now() - timedelta(minutes=30),
        method=method,
        findings=findings,
    )
