"""Demo data for the results app, loaded after the medications demo.

Admission urine screens for the first inpatients (one positive for fentanyl, which the
buprenorphine checks then see), a breath alcohol, and the ECG of the methadone patient, each
written through ``do_record_result`` like the pages do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from detoxdesk.labs.actions import do_record_result
from detoxdesk.patients.models import Episode

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.patients.demo import DemoContext

NEGATIVE_SCREEN = dict.fromkeys(
    (
        "fentanyl",
        "opiates",
        "buprenorphine",
        "methadone",
        "oxycodone",
        "benzodiazepines",
        "amphetamines",
        "cocaine",
    ),
    "negative",
)
SCREENS = (
    {"opiates": "positive"},
    {"fentanyl": "positive", "opiates": "positive", "benzodiazepines": "positive"},
    {"oxycodone": "positive"},
)


def load(demo: DemoContext) -> None:
    """Add this app's demo records."""
    prescriber, nurse = demo.users["prescriber"], demo.users["nurse"]
    inpatients = [e for e in demo.episodes if e.facility.kind == "inpatient"]
    for episode, positives in zip(inpatients, SCREENS, strict=False):
        findings = {**NEGATIVE_SCREEN, **positives}
        _record(episode, nurse, demo.now, "urine_drug_screen", "urine", findings, minutes=15)
    if len(inpatients) > 2:
        _record(inpatients[2], nurse, demo.now, "alcohol", "breath", {"alcohol": "negative"}, 10)
    if len(inpatients) > 6:
        # The methadone patient's ECG: the QTc the methadone checks use.
        _record(inpatients[6], prescriber, demo.now, "ecg", "ecg", {"qtc": 430}, 20, "laboratory")


def _record(
    episode: Episode,
    user: User,
    now: datetime,
    panel: str,
    specimen: str,
    findings: dict[str, Any],
    minutes: int,
    method: str = "point_of_care",
) -> None:
    taken = episode.admitted_at + timedelta(minutes=minutes)
    do_record_result(
        episode,
        acting_user=user,
        panel=panel,
        specimen=specimen,
        specimen_at=taken,
        method=method,
        findings=findings,
        now=min(taken + timedelta(minutes=10), now),
    )
