"""Reading notes: templates as the program has them, the plan's goals, pages of notes, the
golden thread, the co-signature worklist, and the last nursing note of episodes (handoff)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, QuerySet, When

from detoxdesk.intake.models import TreatmentPlan
from detoxdesk.notes.defaults import SHIPPED, SHIPPED_BY_KEY
from detoxdesk.notes.models import AmendmentRequest, Note, NoteSettings, NoteTemplate
from detoxdesk.patients.models import Episode, Program

NURSING_KEY = "nursing_shift"
GROUP_KEY = "group"


@dataclass(frozen=True)
class Template:
    """A template as a program uses it: shipped, or the program's own version of it."""

    key: str
    name: str
    sections: tuple[dict[str, str], ...]
    active: bool
    version: int  # 0: as shipped, never edited by the program
    group: bool


def _shipped(key: str) -> Template:
    shipped = SHIPPED_BY_KEY[key]
    sections = tuple({"key": s.key, "label": s.label, "hint": s.hint} for s in shipped.sections)
    return Template(key, shipped.name, sections, True, 0, shipped.group)


def _own(row: NoteTemplate) -> Template:
    shipped = SHIPPED_BY_KEY[row.key]
    return Template(row.key, row.name, tuple(row.sections), row.active, row.version, shipped.group)


def templates_for(program: Program) -> list[Template]:
    """Every template of ``program``, active or not, in the shipped order (one query)."""
    own = {row.key: row for row in NoteTemplate.objects.filter(program=program)}
    return [_own(own[t.key]) if t.key in own else _shipped(t.key) for t in SHIPPED]


def template_for(program: Program, key: str) -> Template | None:
    if key not in SHIPPED_BY_KEY:
        return None
    row = NoteTemplate.objects.filter(program=program, key=key).first()
    return _own(row) if row else _shipped(key)


def settings_for(program: Program) -> NoteSettings:
    """The program's note settings (unsaved defaults when never changed: no co-signatures)."""
    found = NoteSettings.objects.filter(program=program).first()
    return found or NoteSettings(program=program, cosign_roles=[], version=0)


def plan_for(episode: Episode) -> TreatmentPlan | None:
    """The treatment plan of the episode's evaluation (the latest, signed first)."""
    return (
        TreatmentPlan.objects.filter(evaluation__episode=episode)
        .order_by("-signed_at", "-updated_at")
        .first()
    )


def goals_of(plan: TreatmentPlan | None) -> list[str]:
    """The plan's goals: one a line of its goals text, list marks taken off."""
    if plan is None:
        return []
    lines = (line.strip().lstrip("-*•").strip() for line in plan.goals.splitlines())
    return [line for line in lines if line]


def episode_notes(episode: Episode) -> QuerySet[Note]:
    return (
        Note.objects.filter(episode=episode)
        .select_related("author", "cosignature__signed_by", "group_session")
        .order_by("-event_at", "-id")
    )


@dataclass(frozen=True)
class Thread:
    goal: str
    notes: list[Note]


def golden_thread(episode: Episode, plan: TreatmentPlan | None) -> tuple[list[Thread], list[Note]]:
    """Per goal of the plan, the signed and draft notes addressing it; and the notes linked to
    a goal no longer in the plan. Notes linked to no goal are not shown here."""
    linked = list(episode_notes(episode).exclude(goal=""))
    goals = goals_of(plan)
    threads = [Thread(goal, [n for n in linked if n.goal == goal]) for goal in goals]
    return threads, [n for n in linked if n.goal not in goals]


def cosign_worklist(facility_ids: set[int], user_id: int) -> QuerySet[Note]:
    """Signed notes waiting for a co-signature at ``facility_ids``, oldest first, not the
    reader's own."""
    waiting = (
        Note.objects.filter(
            episode__facility_id__in=facility_ids,
            status=Note.Status.SIGNED,
            cosign_required=True,
            cosignature__isnull=True,
        )
        .exclude(author_id=user_id)
        .select_related("author", "episode__patient", "episode__facility")
        .order_by("signed_at", "id")
    )
    return waiting


def amendment_worklist(facility_ids: set[int]) -> QuerySet[AmendmentRequest]:
    """Pending requests first (oldest first), then the decided ones, newest decision first."""
    return (
        AmendmentRequest.objects.filter(facility_id__in=facility_ids)
        .select_related("patient", "note", "facility", "decided_by")
        .annotate(pending=Case(When(status=AmendmentRequest.Status.PENDING, then=0), default=1))
        .order_by("pending", "requested_at", "id")
    )


@dataclass(frozen=True)
class NoteSummary:
    """The last nursing note of an episode, for the shift handoff (contract: INTERFACE.md)."""

    text: str
    event_at: datetime
    signed_at: datetime | None
    author: str
    late_entry: bool


def last_nursing_notes(episode_ids: Sequence[int]) -> dict[int, NoteSummary]:
    """Per episode id, its latest nursing shift note by event time (drafts included, with
    ``signed_at`` None); episodes without one are left out. One query."""
    if not episode_ids:
        return {}
    rows = (
        Note.objects.filter(episode_id__in=list(episode_ids), template_key=NURSING_KEY)
        .select_related("author")
        .order_by("episode_id", "-event_at", "-id")
    )
    latest: dict[int, NoteSummary] = {}
    for note in _latest_per_episode(rows):
        latest[note.episode_id] = NoteSummary(
            text=note.text,
            event_at=note.event_at,
            signed_at=note.signed_at,
            author=note.author.display_name,
            late_entry=note.late_entry,
        )
    return latest


def _latest_per_episode(rows: QuerySet[Note]) -> list[Note]:
    """The first row of each episode from rows ordered by episode, newest first: DISTINCT ON
    where the database has it, else a window rank (both one statement)."""
    from django.db import connection
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    if connection.features.can_distinct_on_fields:
        return list(rows.distinct("episode_id"))
    ranked = rows.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("episode_id")],
            order_by=[F("event_at").desc(), F("id").desc()],
        )
    )
    return list(ranked.filter(rank=1))
