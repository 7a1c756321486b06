"""Factory functions for the progress-notes tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.intake.models import Evaluation, TreatmentPlan
from detoxdesk.notes import actions
from detoxdesk.notes.models import Note
from detoxdesk.patients.models import Episode

GOALS = "- Complete withdrawal safely\n- Start MOUD before discharge\n- Name a support person"


def make_plan(episode: Episode, user: User, goals: str = GOALS) -> TreatmentPlan:
    evaluation = Evaluation.objects.create(
        patient=episode.patient, facility=episode.facility, episode=episode, created_by=user
    )
    return TreatmentPlan.objects.create(
        evaluation=evaluation,
        problems="- Opioid withdrawal",
        goals=goals,
        interventions="- Monitoring",
        updated_by=user,
    )


def make_note(
    episode: Episode,
    user: User,
    *,
    key: str = "dap",
    event_at: datetime | None = None,
    sign: bool = False,
    **values: Any,
) -> Note:
    values = values or {"data": "Slept four hours.", "plan": "Continue."}
    goal = values.pop("goal", "")
    note = actions.do_draft_note(
        episode,
        acting_user=user,
        template_key=key,
        values=values,
        event_at=event_at or timezone.now() - timedelta(minutes=5),
        goal=goal,
    )
    if sign:
        note = actions.do_sign_note(note, acting_user=user)
    return note
