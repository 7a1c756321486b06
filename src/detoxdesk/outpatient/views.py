"""Outpatient pages: an episode's visits and review, and the program's review settings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.controlled.models import Entry
from detoxdesk.lib.forms import apply_errors
from detoxdesk.medications.models import Administration
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.outpatient import actions, forms, queries
from detoxdesk.outpatient.models import Visit
from detoxdesk.patients import access
from detoxdesk.patients.models import Episode

PAGE_SIZE = 20  # visits a page; a layout choice
RECENT = 10  # home SOWS and take-home doses shown; a layout choice


def _episode(user: User, episode_uuid: Any, capability: str | None = None) -> Episode:
    episode = access.get_episode_for_user(user, episode_uuid, capability=capability)
    if not episode.is_outpatient:
        raise Http404("This is not an outpatient episode.")
    return episode


def _bounds(days: list[date]) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(min(days), time.min, tzinfo=zone)
    end = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _by_day(rows: Any, field: str) -> dict[date, list[Any]]:
    found: dict[date, list[Any]] = defaultdict(list)
    for row in rows:
        found[timezone.localdate(getattr(row, field))].append(row)
    return found


def _visit_rows(episode: Episode, visits: list[Visit]) -> list[dict[str, Any]]:
    """Each visit with the scores, vitals and doses observed recorded that day (3 queries)."""
    if not visits:
        return []
    start, end = _bounds([visit.visit_on for visit in visits])
    window = {"episode": episode}
    scores = _by_day(
        Assessment.objects.filter(**window, performed_at__gte=start, performed_at__lt=end)
        .exclude(recorded_by__portal_account__isnull=False)
        .only("scale", "total", "band_label", "performed_at")
        .order_by("performed_at"),
        "performed_at",
    )
    signs = _by_day(
        VitalSigns.objects.filter(**window, measured_at__gte=start, measured_at__lt=end)
        .only("measured_at", "heart_rate", "systolic", "diastolic")
        .order_by("measured_at"),
        "measured_at",
    )
    doses = _by_day(
        Administration.objects.filter(
            **window,
            outcome=Administration.Outcome.GIVEN,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .only("drug", "dose_mg", "occurred_at")
        .order_by("occurred_at"),
        "occurred_at",
    )
    return [
        {
            "visit": visit,
            "scores": scores.get(visit.visit_on, []),
            "vitals": signs.get(visit.visit_on, []),
            "doses": doses.get(visit.visit_on, []),
        }
        for visit in visits
    ]


def _context(request: HttpRequest, user: User, episode: Episode, **forms_: Any) -> dict[str, Any]:
    state = queries.review_state(episode)
    plan = state.plan
    visits = Paginator(
        Visit.objects.filter(episode=episode).select_related("recorded_by").order_by("-visit_on"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    home = (
        Assessment.objects.filter(
            episode=episode, scale=Scale.SOWS, recorded_by__portal_account__isnull=False
        )
        .only("total", "band_label", "performed_at", "note")
        .order_by("-performed_at")[:RECENT]
    )
    take_home = (
        Entry.objects.filter(
            patient=episode.patient, facility=episode.facility, kind=Entry.Kind.TAKE_HOME
        )
        .select_related("product", "recorded_by")
        .order_by("-occurred_at")[:RECENT]
    )
    facility = episode.facility
    can = {
        "configure": permissions.can(user, permissions.EPISODE_CONFIGURE, facility),
        "record": permissions.can(user, permissions.ASSESSMENT_RECORD, facility),
        "dose": permissions.can(user, permissions.DOSE_RECORD, facility),
        "ledger": permissions.can(user, permissions.CONTROLLED_RECORD, facility),
        "director": permissions.can(user, permissions.PROGRAM_CONFIGURE),
    }
    plan_initial: dict[str, object] = {"read_version": plan.version if plan else 0}
    if plan is not None:
        plan_initial |= {
            "first_visit_on": plan.first_visit_on,
            "every_days": plan.every_days,
            "last_visit_on": plan.last_visit_on,
            "home_check_ins": plan.home_check_ins,
        }
    reasons_text = "\n".join(reason.message for reason in state.reasons)
    stock = actions.stock_choices(episode) if can["ledger"] and plan is not None else []
    return {
        "episode": episode,
        "patient": episode.patient,
        "state": state,
        "plan": plan,
        "visits": visits,
        "visit_rows": _visit_rows(episode, list(visits.object_list)),
        "home_sows": list(home),
        "take_home": list(take_home),
        "can": can,
        "today": timezone.localdate(),
        "plan_form": forms_.get("plan_form") or forms.VisitPlanForm(initial=plan_initial),
        "visit_form": forms_.get("visit_form") or forms.VisitForm(),
        "review_form": forms_.get("review_form")
        or forms.ReviewForm(initial={"reasons_seen": reasons_text}),
        "take_home_form": forms_.get("take_home_form") or forms.TakeHomeForm(stock_choices=stock),
        "has_stock": bool(stock),
    }


def _page(request: HttpRequest, user: User, episode: Episode, **forms_: Any) -> HttpResponse:
    context = _context(request, user, episode, **forms_)
    log.viewed(user, "outpatient.viewed", patient=episode.patient, facility=episode.facility)
    return render(request, "outpatient/episode.html", context)


@login_required
@require_http_methods(["GET"])
def episode_page(request: HttpRequest, episode_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    return _page(request, user, _episode(user, episode_uuid))


def _back(episode: Episode) -> HttpResponse:
    return redirect("outpatient:episode", episode_uuid=episode.uuid)


@login_required
@require_http_methods(["POST"])
def set_schedule(request: HttpRequest, episode_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    episode = _episode(user, episode_uuid, permissions.EPISODE_CONFIGURE)
    form = forms.VisitPlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_set_visit_plan(
                episode,
                acting_user=user,
                first_visit_on=data["first_visit_on"],
                every_days=data["every_days"],
                last_visit_on=data["last_visit_on"],
                home_check_ins=data["home_check_ins"],
                read_version=data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Visit schedule saved.")
            return _back(episode)
    return _page(request, user, episode, plan_form=form)


@login_required
@require_http_methods(["POST"])
def record_visit(request: HttpRequest, episode_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    episode = _episode(user, episode_uuid, permissions.ASSESSMENT_RECORD)
    form = forms.VisitForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_visit(
                episode,
                acting_user=user,
                attended_at=form.cleaned_data["attended_at"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, "Visit recorded. Record its scores, vitals and doses with the links."
            )
            return _back(episode)
    return _page(request, user, episode, visit_form=form)


@login_required
@require_http_methods(["POST"])
def take_home(request: HttpRequest, episode_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    episode = _episode(user, episode_uuid, permissions.CONTROLLED_RECORD)
    form = forms.TakeHomeForm(request.POST, stock_choices=actions.stock_choices(episode))
    if form.is_valid():
        try:
            actions.do_dispense_take_home(
                episode,
                acting_user=user,
                stock=form.cleaned_data["stock"],
                units=form.cleaned_data["units"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, "Take-home doses recorded in the ledger.")
            return _back(episode)
    return _page(request, user, episode, take_home_form=form)


@login_required
@require_http_methods(["POST"])
def review(request: HttpRequest, episode_uuid: Any) -> HttpResponse:
    user = staff_user(request)
    episode = _episode(user, episode_uuid, permissions.EPISODE_CONFIGURE)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.do_review(
                episode,
                acting_user=user,
                note=form.cleaned_data["note"],
                reasons_seen=form.reasons(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Review recorded.")
            return _back(episode)
    return _page(request, user, episode, review_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facility = permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE).first()
    if facility is None:
        raise PermissionDenied("Only a program director can change these settings.")
    program = facility.program
    rules = queries.settings_for(program)
    initial = {key: getattr(rules, key) for key in actions.SETTING_FIELDS}
    initial["read_version"] = rules.version
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {key: form.cleaned_data.get(key) for key in actions.SETTING_FIELDS}
        try:
            actions.do_update_settings(
                program,
                acting_user=user,
                values=values,
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Outpatient settings saved.")
            return redirect("outpatient:settings")
    return render(
        request, "outpatient/settings.html", {"form": form, "program": program, "rules": rules}
    )
