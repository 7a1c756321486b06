from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.audit import log
from detoxdesk.lib.auth import staff_user
from detoxdesk.monitoring import board, trends
from detoxdesk.patients import access, actions
from detoxdesk.patients.forms import EpisodeIntervalForm, ProgramSettingsForm, sows_bands_text
from detoxdesk.patients.models import Episode, Facility, Program
from detoxdesk.portal.access import is_patient


@login_required
def census(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = list(permissions.facilities_with(user, permissions.CENSUS_VIEW))
    if not facilities:
        raise PermissionDenied("Your role does not include the census board.")
    chosen = _chosen_facility(request, facilities)
    episodes = Episode.objects.filter(
        facility__in=[chosen] if chosen else facilities, status=Episode.Status.ACTIVE
    ).order_by("facility__name", "bed__label", "patient__family_name")
    query = request.GET.get("q", "").strip()
    if query:
        episodes = episodes.filter(
            Q(patient__family_name__icontains=query)
            | Q(patient__given_name__icontains=query)
            | Q(patient__record_number__iexact=query)
        )
    now = timezone.now()
    rows = board.board_rows(episodes, now)
    with transaction.atomic():
        log.record("census.viewed", actor=user, facility=chosen)
    return render(
        request,
        "patients/census.html",
        {"rows": rows, "facilities": facilities, "chosen": chosen, "query": query, "now": now},
    )


def _chosen_facility(request: HttpRequest, facilities: list[Facility]) -> Facility | None:
    wanted = request.GET.get("facility")
    return next((f for f in facilities if str(f.uuid) == wanted), None)


@login_required
def chart(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    user = staff_user(request)
    patient = access.get_patient_for_user(user, patient_uuid)
    episode = access.current_episode_for_user(user, patient)
    now = timezone.now()
    context: dict[str, object] = {
        "patient": patient,
        "episode": episode,
        "now": now,
        "age": patient.age_on(now.date()),
    }
    if episode is not None:
        context.update(trends.chart_context(episode, now, request.GET))
        context["row"] = board.board_rows(Episode.objects.filter(pk=episode.pk), now)[0]
        context["can_record"] = permissions.can(
            user, permissions.ASSESSMENT_RECORD, episode.facility
        )
        context["can_configure"] = permissions.can(
            user, permissions.EPISODE_CONFIGURE, episode.facility
        )
    with transaction.atomic():
        log.record(
            "chart.viewed",
            actor=user,
            patient=patient,
            facility=episode.facility if episode else None,
        )
    return render(request, "patients/chart.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def episode_interval(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(
        user, episode_uuid, capability=permissions.EPISODE_CONFIGURE
    )
    form = EpisodeIntervalForm(
        request.POST or None,
        initial={"assessment_interval_minutes": episode.assessment_interval_minutes},
    )
    if request.method == "POST" and form.is_valid():
        actions.do_set_episode_interval(
            episode, acting_user=user, minutes=form.cleaned_data["assessment_interval_minutes"]
        )
        messages.success(request, "The assessment interval for this episode was saved.")
        return redirect("patients:chart", patient_uuid=episode.patient.uuid)
    return render(request, "patients/episode_interval.html", {"episode": episode, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = permissions.facilities_with(user, permissions.PROGRAM_CONFIGURE)
    program = Program.objects.filter(facilities__in=facilities).distinct().first()
    if program is None:
        raise PermissionDenied("Only a program director can change program settings.")
    form = ProgramSettingsForm(request.POST or None, initial=_settings_initial(program))
    if request.method == "POST" and form.is_valid():
        actions.do_change_program_settings(
            program,
            acting_user=user,
            values={
                "assessment_interval_minutes": form.cleaned_data["assessment_interval_minutes"],
                "vital_ranges": form.vital_ranges(),
                "sows_bands": form.cleaned_data["sows_bands"],
            },
        )
        messages.success(request, "Program settings saved.")
        return redirect("patients:program_settings")
    return render(request, "patients/program_settings.html", {"program": program, "form": form})


def _settings_initial(program: Program) -> dict[str, object]:
    initial: dict[str, object] = {
        "assessment_interval_minutes": program.assessment_interval_minutes,
        "sows_bands": sows_bands_text(program.sows_bands or []),
    }
    for key, limits in (program.vital_ranges or {}).items():
        initial[f"{key}_low"] = limits.get("low")
        initial[f"{key}_high"] = limits.get("high")
    return initial


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own starting page (a patient account to the portal)."""
    user = staff_user(request)
    if is_patient(user):
        return redirect("portal:home")
    if permissions.can(user, permissions.CENSUS_VIEW):
        return redirect("patients:census")
    if permissions.can(user, permissions.AUDIT_VIEW):
        return redirect("audit:log")
    if permissions.can(user, permissions.STAFF_MANAGE):
        return redirect("staff:list")
    return render(request, "patients/no_access.html", status=403)
