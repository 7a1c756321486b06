"""Demo data for the notes app, loaded after the evaluations, the portal account and the stays.

On the first inpatient stay: a signed treatment plan, a signed nursing shift note, a counselor's
DAP note on a plan goal (co-signature asked for counselors, waiting on the worklist), a late
entry with an addendum, a draft SOAP note, a group session with two attendees, and the portal
patient's amendment requests (one accepted, one denied with a statement of disagreement).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from detoxdesk.accounts.models import Role
from detoxdesk.intake import actions as intake_actions
from detoxdesk.intake.models import Evaluation
from detoxdesk.notes import actions, queries
from detoxdesk.portal.models import PortalAccount

if TYPE_CHECKING:
    from detoxdesk.notes.models import Note
    from detoxdesk.patients.demo import DemoContext
    from detoxdesk.patients.models import Episode


def _plan_goals(demo: DemoContext, episode: Episode) -> list[str]:
    evaluation = Evaluation.objects.filter(episode=episode).exclude(status="draft").first()
    if evaluation is None:
        return []
    plan = intake_actions.do_draft_plan(
        evaluation, acting_user=demo.users["prescriber"], now=demo.now - timedelta(hours=20)
    )
    if plan.status != "signed":
        intake_actions.do_sign_plan(
            plan, acting_user=demo.users["prescriber"], now=demo.now - timedelta(hours=19)
        )
    return queries.goals_of(plan)


def _note(demo: DemoContext, episode: Episode, who: str, key: str, hours: float, **kw: str) -> Note:
    goal = kw.pop("goal", "")
    return actions.do_draft_note(
        episode,
        acting_user=demo.users[who],
        template_key=key,
        values=kw,
        event_at=demo.now - timedelta(hours=hours),
        goal=goal,
        now=demo.now - timedelta(hours=hours - 0.1),
    )


def _sign(demo: DemoContext, note: Note, who: str, hours: float) -> Note:
    return actions.do_sign_note(
        note, acting_user=demo.users[who], now=demo.now - timedelta(hours=hours)
    )


def _notes(demo: DemoContext, episode: Episode, goals: list[str]) -> Note:
    shift = _note(
        demo, episode, "nurse", "nursing_shift", 3,
        condition="COWS 9 at 06:00, yawning and runny nose; no vomiting.",
        care="Comfort medications given as ordered; fluids encouraged.",
        safety="Slept about four hours; calm, no visitors.",
        plan="Recheck COWS at 10:00.",
    )  # fmt: skip
    shift = _sign(demo, shift, "nurse", 2.9)
    dap = _note(
        demo, episode, "counselor", "dap", 5,
        data="Talked about going home and about who can be there.",
        assessment="Motivated; worried about the first week.",
        plan="Warm hand-off to the clinic; name a support person by Friday.",
        goal=goals[-1] if goals else "",
    )  # fmt: skip
    _sign(demo, dap, "counselor", 4.8)
    late = actions.do_draft_note(
        episode,
        acting_user=demo.users["nurse"],
        template_key="free",
        values={"text": "Patient asked for an extra blanket; given."},
        event_at=demo.now - timedelta(hours=9),
        now=demo.now - timedelta(hours=6),
    )
    late = _sign(demo, late, "nurse", 6)
    actions.do_add_addendum(
        late,
        acting_user=demo.users["nurse"],
        text="Correction: it was two blankets.",
        now=demo.now - timedelta(hours=5.5),
    )
    _note(demo, episode, "prescriber", "soap", 1, subjective="Feels better than yesterday.")
    return shift


def _group(demo: DemoContext, episodes: list[Episode]) -> None:
    actions.do_document_group(
        episodes[0].facility,
        acting_user=demo.users["counselor"],
        topic="Coping with cravings",
        event_at=demo.now - timedelta(hours=2),
        summary="Urge surfing and a list of people to call.",
        participation={episodes[0]: "Shared a plan for evenings.", episodes[1]: "Listened."},
        now=demo.now - timedelta(hours=1.5),
    )


def _amendments(demo: DemoContext, episode: Episode, note: Note) -> None:
    account = PortalAccount.objects.filter(patient=episode.patient).select_related("user").first()
    if account is None:
        return
    asked = actions.do_request_amendment(
        episode.patient,
        acting_user=account.user,
        note=note,
        record="",
        correction="I slept closer to five hours, not four.",
        now=demo.now - timedelta(hours=1),
    )
    actions.do_accept_amendment(
        asked,
        acting_user=demo.users["director"],
        text="The patient reports sleeping about five hours.",
        now=demo.now - timedelta(minutes=40),
    )
    denied = actions.do_request_amendment(
        episode.patient,
        acting_user=account.user,
        note=None,
        record="My evaluation: how often I used",
        correction="I used every other day.",
        now=demo.now - timedelta(minutes=30),
    )
    actions.do_deny_amendment(
        denied,
        acting_user=demo.users["director"],
        reason="The evaluation records what you told us on the day; it is kept as said.",
        now=demo.now - timedelta(minutes=20),
    )
    actions.do_file_disagreement(
        denied,
        acting_user=account.user,
        patient=episode.patient,
        text="I was unwell that day and said it wrong.",
        now=demo.now - timedelta(minutes=10),
    )


def load(demo: DemoContext) -> None:
    inpatient = [
        e for e in demo.episodes if e.facility == demo.facilities["in"] and e.status == "active"
    ]
    if len(inpatient) < 2:
        return
    actions.do_update_settings(
        demo.program,
        acting_user=demo.users["director"],
        cosign_roles=[Role.COUNSELOR],
        read_version=None,
        now=demo.now - timedelta(days=1),
    )
    episode = inpatient[0]
    shift = _notes(demo, episode, _plan_goals(demo, episode))
    _group(demo, inpatient)
    _amendments(demo, episode, shift)
