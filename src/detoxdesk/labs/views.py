"""Drug tests and other results: entry one panel at a time, the episode's results, one result,
the care team's print, and the CSV import."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.audit import log
from detoxdesk.clinical import labs
from detoxdesk.labs import actions, checks, importer, queries
from detoxdesk.labs.forms import ImportForm, ResultForm
from detoxdesk.labs.models import Result
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access

PAGE_SIZE = 25
PRINT_LIMIT = 200  # the latest results on one print; older ones are on the pages
RELATED = ("patient", "facility")


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, episode_uuid: str, panel: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.LAB_RECORD, related=RELATED
    )
    found = labs.catalogue().panels.get(panel)
    if found is None:
        raise Http404("No such test.")
    methods = [m for m in Result.Method.values if checks.may_record(user, episode, m)]
    form = ResultForm(found, methods, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.do_record_result(
                episode,
                acting_user=user,
                panel=found.code,
                specimen=form.cleaned_data["specimen"],
                specimen_at=form.cleaned_data["specimen_at"],
                method=form.cleaned_data["method"],
                findings=form.findings(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{found.label} recorded.")
            return redirect("labs:detail", result_uuid=result.uuid)
    if request.method == "GET":
        log.viewed(user, "lab_result.viewed", target=episode)
    windows = [a for a in found.analytes if a.windows is not None]
    context = {"episode": episode, "panel": found, "form": form, "windows": windows}
    return render(request, "labs/record.html", context)


@login_required
@require_GET
def results(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, related=RELATED)
    number = _page_number(request.GET.get("page"))
    start = (number - 1) * PAGE_SIZE
    rows = list(_episode_results(episode)[start : start + PAGE_SIZE + 1])
    log.viewed(user, "lab_result.viewed", target=episode)
    context = {
        **_list_context(user, episode, rows[:PAGE_SIZE]),
        "page": number,
        "has_next": len(rows) > PAGE_SIZE,
    }
    return render(request, "labs/results.html", context)


@login_required
@require_GET
def print_results(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, related=RELATED)
    rows = list(_episode_results(episode)[: PRINT_LIMIT + 1])
    log.viewed(user, "lab_result.viewed", target=episode, changes={"print": True})
    context = {
        **_list_context(user, episode, rows[:PRINT_LIMIT]),
        "truncated": len(rows) > PRINT_LIMIT,
        "limit": PRINT_LIMIT,
        "printed_at": timezone.now(),
    }
    return render(request, "labs/print.html", context)


def _episode_results(episode: Any) -> Any:
    return queries.with_findings(Result.objects.filter(episode=episode)).order_by(
        "-specimen_at", "-pk"
    )


def _list_context(user: Any, episode: Any, rows: list[Result]) -> dict[str, Any]:
    described = [queries.describe(r) for r in rows]
    shown = {f.analyte.code: f.analyte for d in described for f in d["findings"]}
    return {
        "episode": episode,
        "results": described,
        "windows": [a for a in shown.values() if a.windows is not None],
        "panels": list(labs.catalogue().panels.values())
        if episode.status == "active"
        and permissions.can(user, permissions.LAB_RECORD, episode.facility)
        else [],
    }


@login_required
@require_GET
def detail(request: HttpRequest, result_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = Result.objects.filter(uuid=result_uuid).values_list("episode__uuid", flat=True).first()
    if found is None:
        raise Http404("No such result.")
    episode = access.get_episode_for_user(user, found, related=RELATED)
    result = queries.with_findings(Result.objects.filter(uuid=result_uuid)).get()
    log.viewed(user, "lab_result.viewed", target=result)
    described = queries.describe(result)
    windows = [f.analyte for f in described["findings"] if f.analyte.windows is not None]
    context = {"episode": episode, **described, "windows": windows}
    return render(request, "labs/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_results(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = permissions.facilities_with(user, permissions.LAB_RECORD_LABORATORY)
    if not facilities.exists():
        raise PermissionDenied("Your role cannot import results.")
    form = ImportForm(facilities, request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = io.StringIO(upload.read().decode("utf-8-sig"))
            summary = actions.do_import_results(
                text,
                facility=form.cleaned_data["facility"],
                acting_user=user,
                dry_run="import" not in request.POST,
                source_name=upload.name,
            )
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text (save it as CSV UTF-8).")
        except importer.LayoutError as exc:
            form.add_error("file", str(exc))
        else:
            if summary.saved:
                messages.success(request, f"{summary.created} results imported.")
                return redirect("labs:import")
    context = {"form": form, "summary": summary, "columns": importer.columns()}
    return render(request, "labs/import.html", context)
