"""Demo data for the portal: one patient account, for the first demo patient, with a few ratings.

Sign in as ``patient`` with the demo password to see the portal; staff see the ratings on the
patient's chart. The ratings are made-up demo readings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.portal import actions

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext

USERNAME = "patient"
CRAVINGS = (7, 6, 4)  # one a day, the latest this morning


def load(demo: DemoContext) -> None:
    episode = demo.episodes[0]
    invited_at = demo.now - timedelta(hours=3)
    _invitation, token = actions.do_invite_patient(
        episode.patient, acting_user=demo.users["nurse"], facility=episode.facility, now=invited_at
    )
    user = actions.do_accept_invitation(
        token,
        acting_user=None,
        username=USERNAME,
        password=DEMO_PASSWORD,
        now=invited_at + timedelta(minutes=20),
    )
    for hours_ago, rating in zip((2, 1, 0), CRAVINGS, strict=True):
        actions.do_record_craving(
            acting_user=user, rating=rating, now=demo.now - timedelta(hours=hours_ago, minutes=5)
        )
