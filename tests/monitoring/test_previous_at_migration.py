"""The migration that adds ``previous_at`` fills it for assessments already recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detoxdesk.accounts.models import Role
from factories import make_episode, make_facility, make_program, make_user

BEFORE = [("monitoring", "0003_assessment_time_idx")]
AFTER = [("monitoring", "0004_assessment_previous_at")]
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_it_links_every_recorded_assessment_to_the_one_before(migrator):
    executor = migrator()
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    # The other apps stay at their latest migration: their rows come from today's factories.
    program = make_program(name="Old program")
    facility = make_facility(program, name="Ward")
    nurse = make_user(Role.NURSE, facility, username="nurse")
    episodes = [make_episode(facility, admitted_at=T0) for _ in range(2)]
    numbers = {episodes[0].pk: "1", episodes[1].pk: "2"}
    Assessment = apps.get_model("monitoring", "Assessment")
    # Entered out of order, two at one moment, and one in another episode.
    for episode, hours in ((episodes[0], 8), (episodes[0], 0), (episodes[0], 4), (episodes[0], 4)):
        Assessment.objects.create(
            episode_id=episode.pk,
            scale="cows",
            items={},
            total=0,
            performed_at=T0 + timedelta(hours=hours),
            recorded_at=T0 + timedelta(hours=9),
            recorded_by_id=nurse.pk,
            policy_version=1,
        )
    Assessment.objects.create(
        episode_id=episodes[1].pk,
        scale="cows",
        items={},
        total=0,
        performed_at=T0 + timedelta(hours=6),
        recorded_at=T0 + timedelta(hours=9),
        recorded_by_id=nurse.pk,
        policy_version=1,
    )
    executor = migrator()
    executor.migrate(AFTER)
    Assessment = executor.loader.project_state(AFTER).apps.get_model("monitoring", "Assessment")
    rows = sorted(
        (numbers[e], performed, previous)
        for e, performed, previous in Assessment.objects.values_list(
            "episode_id", "performed_at", "previous_at"
        )
    )
    h = [T0 + timedelta(hours=n) for n in range(9)]
    assert rows == [
        ("1", h[0], None),
        ("1", h[4], h[0]),
        ("1", h[4], h[0]),
        ("1", h[8], h[4]),
        ("2", h[6], None),
    ]
