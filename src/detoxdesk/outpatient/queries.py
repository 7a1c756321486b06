"""Reading outpatient episodes: the schedule as the rule sees it, the review state of one episode,
and the missed-check-in flags of many (the census board) in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from detoxdesk.clinical import outpatient
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.outpatient.models import OutpatientSettings, Review, Visit, VisitPlan
from detoxdesk.patients.models import Episode, Program


def settings_for(program: Program) -> OutpatientSettings:
    """The program's outpatient settings; an unsaved all-unset row until a director saves them."""
    found = OutpatientSettings.objects.filter(program=program).first()
    return found or OutpatientSettings(program=program)


def rule_plan(plan: VisitPlan) -> outpatient.VisitPlan:
    return outpatient.VisitPlan(
        plan.first_visit_on, plan.every_days, plan.last_visit_on, plan.home_check_ins
    )


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


@dataclass(frozen=True)
class ReviewState:
    """An outpatient episode's schedule and whether it needs review, and why."""

    plan: VisitPlan | None
    last_review: Review | None
    next_visit: date | None
    reasons: tuple[outpatient.ReviewReason, ...]
    rises_unset: tuple[str, ...]

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)


def _since(plan: VisitPlan, review: Review | None) -> tuple[date, datetime | None]:
    """Days and scores count from the plan's first day, or from the day after the last review."""
    if review is None:
        return plan.first_visit_on, None
    return max(plan.first_visit_on, _day(review.reviewed_at)), review.reviewed_at


def home_sows_days(episode_ids: Sequence[int], since: date) -> dict[int, set[date]]:
    """The days each episode's patient sent a SOWS from home (the portal). One query."""
    rows = Assessment.objects.filter(
        episode_id__in=episode_ids,
        scale=Scale.SOWS,
        recorded_by__portal_account__isnull=False,
        performed_at__date__gte=since,
    ).values_list("episode_id", "performed_at")
    found: dict[int, set[date]] = defaultdict(set)
    for episode_id, at in rows:
        found[episode_id].add(_day(at))
    return found


def review_state(episode: Episode, today: date | None = None) -> ReviewState:
    """The episode's schedule and review reasons since its last review (a fixed few queries)."""
    today = today or timezone.localdate()
    plan = VisitPlan.objects.filter(episode=episode).first()
    review = Review.objects.filter(episode=episode).select_related("reviewed_by").first()
    rules = settings_for(episode.facility.program)
    rises = {Scale.COWS.value: rules.review_cows_rise, Scale.SOWS.value: rules.review_sows_rise}
    unset = tuple(scale.upper() for scale, rise in rises.items() if rise is None)
    if plan is None:
        return ReviewState(None, review, None, (), unset)
    rule = rule_plan(plan)
    since_day, since_at = _since(plan, review)
    attended = set(Visit.objects.filter(episode=episode).values_list("visit_on", flat=True))
    home = home_sows_days([episode.pk], since_day).get(episode.pk, set())
    scores = Assessment.objects.filter(episode=episode, scale__in=list(rises))
    if since_at is not None:
        scores = scores.filter(performed_at__gt=since_at)
    reasons = outpatient.review_reasons(
        missed=outpatient.missed_visits(rule, attended, today, since_day),
        missed_home=outpatient.missed_check_ins(rule, home, today, since_day),
        scores=[outpatient.Score(s.scale, s.total, s.performed_at) for s in scores],
        rises=rises,
    )
    upcoming = outpatient.next_visit(rule, today, attended)
    return ReviewState(plan, review, upcoming, tuple(reasons), unset)


def check_in_flags(episode_ids: Sequence[int], today: date) -> dict[int, str]:
    """For the census board: each outpatient episode with a missed visit or home check-in since
    its last review, with the words to show. Four queries whatever the number of episodes."""
    plans = {p.episode_id: p for p in VisitPlan.objects.filter(episode_id__in=episode_ids)}
    if not plans:
        return {}
    reviews: dict[int, datetime] = {}
    for episode_id, at in (
        Review.objects.filter(episode_id__in=plans)
        .order_by("episode_id", "-reviewed_at")
        .values_list("episode_id", "reviewed_at")
    ):
        reviews.setdefault(episode_id, at)
    attended: dict[int, set[date]] = defaultdict(set)
    for episode_id, day in Visit.objects.filter(episode_id__in=plans).values_list(
        "episode_id", "visit_on"
    ):
        attended[episode_id].add(day)
    first = min(plan.first_visit_on for plan in plans.values())
    home = home_sows_days(list(plans), first)
    flags = {}
    for episode_id, plan in plans.items():
        rule = rule_plan(plan)
        since = plan.first_visit_on
        if episode_id in reviews:
            since = max(since, _day(reviews[episode_id]))
        missed = outpatient.missed_visits(rule, attended[episode_id], today, since)
        home_missed = outpatient.missed_check_ins(rule, home.get(episode_id, set()), today, since)
        words = []
        if missed:
            words.append(f"missed visit {missed[-1]:%d %b}")
        if home_missed:
            words.append(f"no home SOWS {home_missed[-1]:%d %b}")
        if words:
            flags[episode_id] = "Missed check-in: " + "; ".join(words)
    return flags
