from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.patients.models import Facility
from detoxdesk.reports import chart, export, scope
from detoxdesk.reports.levels import levels_by_episode
from detoxdesk.reports.measures import BY_KEY, MEASURES
from detoxdesk.reports.queries import Range, build_report, episodes_behind

EPISODES_PAGE_SIZE = 25


def _allowed(user: User) -> list[Facility]:
    facilities = list(
        permissions.facilities_with(user, permissions.REPORTS_VIEW).order_by("name", "pk")
    )
    if not facilities:
        raise PermissionDenied("Your role does not read the quality report.")
    return facilities


def _default_range() -> Range:
    today = timezone.localdate()
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Range(start, today)


def _inputs(
    request: HttpRequest, allowed: list[Facility]
) -> tuple[Range, list[int], Facility | None]:
    default = _default_range()
    start = scope.parse_date(request.GET.get("from") or default.start.isoformat(), "from")
    end = scope.parse_date(request.GET.get("to") or default.end.isoformat(), "to")
    rng = scope.make_range(start, end)
    ids, facility = scope.facility_ids(allowed, request.GET.get("facility"))
    return rng, ids, facility


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    allowed = _allowed(user)
    context: dict[str, Any] = {"facilities": allowed, "definitions": MEASURES, "query": request.GET}
    try:
        rng, ids, facility = _inputs(request, allowed)
    except scope.BadInput as exc:
        context["error"] = str(exc)
        return render(request, "reports/report.html", context, status=400)
    result = build_report(rng, ids)
    with transaction.atomic():
        log.record(
            "reports.viewed",
            actor=user,
            facility=facility,
            changes={"from": rng.start.isoformat(), "to": rng.end.isoformat()},
        )
    base = {"from": rng.start.isoformat(), "to": rng.end.isoformat()}
    if facility is not None:
        base["facility"] = str(facility.uuid)
    rows = []
    for m in result.measures:
        definition = BY_KEY[m.key]
        link = _link(base, m.key) if definition.drill_down else ""
        rows.append(
            {
                "m": m,
                "definition": definition,
                "bars": chart.bars(m, result.months),
                "link": link,
                "months": [
                    (month, m.months.get(month), link and f"{link}&month={month:%Y-%m}")
                    for month in result.months
                ],
            }
        )
    context.update(
        csv_link=reverse("reports:csv") + "?" + urlencode(base),
        report=result,
        rows=rows,
        facility=facility,
        start=rng.start,
        end=rng.end,
        chart_width=chart.WIDTH,
        chart_height=chart.HEIGHT,
    )
    return render(request, "reports/report.html", context)


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    allowed = _allowed(user)
    try:
        rng, ids, facility = _inputs(request, allowed)
    except scope.BadInput as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    body = export.as_csv(build_report(rng, ids))
    with transaction.atomic():
        log.record(
            "reports.exported",
            actor=user,
            facility=facility,
            changes={"from": rng.start.isoformat(), "to": rng.end.isoformat()},
        )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="quality-report-{rng.start}-{rng.end}.csv"'
    )
    return response


@login_required
def episodes(request: HttpRequest) -> HttpResponse:
    """The episodes behind one figure: a chart access, audited for each episode shown."""
    user = staff_user(request)
    allowed = _allowed(user)
    key = request.GET.get("measure", "")
    definition = BY_KEY.get(key)
    context: dict[str, Any] = {"definition": definition, "query": request.GET}
    try:
        if definition is None or not definition.drill_down:
            raise scope.BadInput(f"No list of episodes for the measure {key!r}.")
        rng, ids, facility = _inputs(request, allowed)
        month = _month_param(request.GET.get("month"))
    except scope.BadInput as exc:
        context["error"] = str(exc)
        return render(request, "reports/episodes.html", context, status=400)
    found = episodes_behind(key, rng, ids, month)
    page = Paginator(found, EPISODES_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    with transaction.atomic():
        for episode in shown:
            log.record(
                "reports.episodes_viewed",
                actor=user,
                patient=episode.patient,
                facility=episode.facility,
                target=episode,
                changes={"measure": key},
            )
    chart_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    context.update(
        page=page,
        shown=shown,
        chart_ids=chart_ids,
        levels=levels_by_episode(shown),
        start=rng.start,
        end=rng.end,
        month=month,
        facility=facility,
    )
    return render(request, "reports/episodes.html", context)


def _link(base: dict[str, str], key: str) -> str:
    return reverse("reports:episodes") + "?" + urlencode({"measure": key, **base})


def _month_param(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        raise scope.BadInput(f"The month {text!r} is not in the form YYYY-MM.") from None
