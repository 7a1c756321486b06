"""The last nursing note of episodes (for the shift handoff) and the golden thread."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from detoxdesk.notes import queries
from factories import make_episode
from factories_notes import make_note, make_plan


def _nursing(episode, user, minutes_ago, text, sign=False):
    return make_note(
        episode,
        user,
        key="nursing_shift",
        event_at=timezone.now() - timedelta(minutes=minutes_ago),
        sign=sign,
        condition=text,
    )


def test_last_nursing_notes_gives_each_episodes_latest_nursing_note_in_one_query(
    unit, django_assert_num_queries
):
    second = make_episode(unit.ward)
    none_yet = make_episode(unit.ward)
    _nursing(unit.episode, unit.nurse, 300, "Old shift.", sign=True)
    latest = _nursing(unit.episode, unit.nurse, 30, "Settled, slept.", sign=True)
    make_note(unit.episode, unit.nurse, event_at=timezone.now() - timedelta(minutes=1))  # DAP
    _nursing(second, unit.nurse, 60, "Draft only.")
    with django_assert_num_queries(1):
        found = queries.last_nursing_notes([unit.episode.pk, second.pk, none_yet.pk])
    assert set(found) == {unit.episode.pk, second.pk}
    first = found[unit.episode.pk]
    assert first.text == "Condition and withdrawal symptoms: Settled, slept."
    assert first.event_at == latest.event_at and first.signed_at == latest.signed_at
    assert first.author == unit.nurse.display_name and first.late_entry is True
    assert found[second.pk].signed_at is None


def test_last_nursing_notes_of_no_episodes_asks_nothing(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert queries.last_nursing_notes([]) == {}


def test_the_golden_thread_groups_notes_by_goal(unit):
    plan = make_plan(unit.episode, unit.counselor)
    assert queries.goals_of(plan) == [
        "Complete withdrawal safely",
        "Start MOUD before discharge",
        "Name a support person",
    ]
    moud = make_note(unit.episode, unit.counselor, data="x", goal="Start MOUD before discharge")
    make_note(unit.episode, unit.counselor, data="no goal")
    threads, unmatched = queries.golden_thread(unit.episode, plan)
    assert [len(t.notes) for t in threads] == [0, 1, 0] and threads[1].notes == [moud]
    plan.goals = "- Something else"
    plan.save()
    threads, unmatched = queries.golden_thread(unit.episode, plan)
    assert unmatched == [moud]
