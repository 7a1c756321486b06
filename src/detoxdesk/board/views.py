"""The census board and the patient chart: the top of the import graph, reading every stage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.aftercare import panels as aftercare_panels
from detoxdesk.audit import log
from detoxdesk.board import alerts, handoff
from detoxdesk.board import census as census_rows
from detoxdesk.controlled.queries import open_discrepancies
from detoxdesk.intake import panels as intake_panels
from detoxdesk.labs import panels as lab_panels
from detoxdesk.medications import panels as medication_panels
from detoxdesk.medications.mar import Shift
from detoxdesk.medications.models import MedicationSettings
from detoxdesk.medications.policy import settings_for
from detoxdesk.monitoring import panels as monitoring_panels
from detoxdesk.notes import panels as note_panels
from detoxdesk.patients import access, allergies
from detoxdesk.patients.models import Contact, Episode, Patient, Program
from detoxdesk.portal import panels as portal_panels
from detoxdesk.portal.access import is_patient
from detoxdesk.tapers import panels as taper_panels


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
    return render(request, "board/no_access.html", status=403)


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@login_required
def census(request: HttpRequest) -> HttpResponse:
    """One facility or unit at a time (the reader's first by default), or the whole network,
    a page at a time; a search without a chosen place looks across the whole network."""
    user = staff_user(request)
    facilities = list(permissions.facilities_with(user, permissions.CENSUS_VIEW))
    if not facilities:
        raise PermissionDenied("Your role does not include the census board.")
    query = request.GET.get("q", "").strip()
    options = census_rows.places(facilities)
    wanted = request.GET.get("place") or (
        f"f-{request.GET['facility']}" if request.GET.get("facility") else ""
    )
    place = options.find(wanted) or (options.network if query else options.first)
    episodes = census_rows.search(census_rows.episodes_at(place, facilities), query)
    size = settings.CENSUS_PAGE_SIZE
    number = _page_number(request.GET.get("page"))
    now = timezone.now()
    rows = census_rows.rows(episodes, now, offset=(number - 1) * size, limit=size + 1)
    log.viewed(user, "census.viewed", facility=place.facility)
    return render(
        request,
        "board/census.html",
        {
            "rows": rows[:size],
            "place": place,
            "places": options,
            "query": query,
            "now": now,
            "page": number,
            "has_next": len(rows) > size,
            "page_size": size,
            "can_search": permissions.can(user, permissions.CHART_VIEW),
            "beds": alerts.bed_counts(place, options, facilities, now),
            "controlled_open": open_discrepancies(
                [place.facility.pk] if place.facility else [f.pk for f in facilities]
            ),
        },
    )


def _chosen_episode(user: User, patient: Patient, episode_uuid: str) -> Episode | None:
    """The episode asked for (an earlier stay of this patient), else the current one."""
    if not episode_uuid:
        return access.current_episode_for_user(user, patient)
    try:
        episode = access.get_episode_for_user(user, episode_uuid)
    except ValidationError:  # not a UUID
        raise Http404("No such episode.") from None
    if episode.patient_id != patient.pk:
        raise Http404("No such episode.")
    return episode


Panel = Callable[..., dict[str, Any]]
# The stages' panels, in the order the chart shows them.
EPISODE_PANELS: tuple[tuple[str, Panel], ...] = (
    ("medications", medication_panels.chart_panel),
    ("labs", lab_panels.chart_panel),
    ("tapers", taper_panels.chart_panel),
    ("notes", note_panels.chart_panel),
    ("aftercare", aftercare_panels.chart_panel),
)
PATIENT_PANELS: tuple[tuple[str, Panel], ...] = (
    ("intake", intake_panels.chart_panel),
    ("portal", portal_panels.chart_panel),
)


@login_required
def chart(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    user = staff_user(request)
    patient = access.get_patient_for_user(user, patient_uuid)
    episode = _chosen_episode(user, patient, request.GET.get("episode", ""))
    now = timezone.now()
    if episode is not None:
        episode.patient = patient  # one patient object for every panel
    context: dict[str, Any] = {
        "patient": patient,
        "episode": episode,
        "now": now,
        "age": patient.age_on(now.date()),
        "allergy_status": allergies.status(patient),
        "emergency_contact": patient.contacts.filter(kind=Contact.Kind.EMERGENCY).first(),
        "can_edit_allergies": access.may(user, access.ALLERGY_RECORD, patient),
        "can_edit_demographics": access.may(user, access.DEMOGRAPHICS_EDIT, patient),
        "episodes": access.visible_episodes(user, patient),
    }
    panels: dict[str, dict[str, Any]] = {
        name: panel(episode, user=user, now=now, patient=patient) for name, panel in PATIENT_PANELS
    }
    if episode is not None:
        context.update(
            monitoring_panels.chart_panel(episode, user=user, now=now, params=request.GET)
        )
        panels.update({name: panel(episode, user=user, now=now) for name, panel in EPISODE_PANELS})
        # Releasing the episode as a FHIR record (exports:fhir) goes through the disclosure door.
        context["can_release"] = permissions.can(
            user, permissions.DISCLOSURE_MAKE, episode.facility
        )
        context["can_set_code_status"] = permissions.can(
            user, permissions.EPISODE_CONFIGURE, episode.facility
        )
    context["panels"] = panels
    log.viewed(
        user, "chart.viewed", patient=patient, facility=episode.facility if episode else None
    )
    return render(request, "board/chart.html", context)


def _handoff_shift(
    text: str, program: Program, medication_settings: MedicationSettings, now: datetime
) -> tuple[Shift, list[time]]:
    """The shift starting at (or around) ``text``, an ISO date and time in the program's time
    zone; the current shift when it is empty or not a date and time."""
    tz = ZoneInfo(program.timezone)
    try:
        moment = datetime.fromisoformat(text).replace(tzinfo=tz) if text else now
    except ValueError:
        moment = now
    return handoff.current_shift(program, moment, medication_settings)


@login_required
def handoff_report(request: HttpRequest) -> HttpResponse:
    """The printable handoff of one unit (or facility) for one shift; each patient listed is
    audited as a view of their chart."""
    user = staff_user(request)
    facilities = [
        f
        for f in permissions.facilities_with(user, permissions.CENSUS_VIEW).select_related(
            "program"
        )
        if permissions.can(user, permissions.CHART_VIEW, f)
    ]
    if not facilities:
        raise PermissionDenied("Your role does not include the shift handoff.")
    options = census_rows.places(facilities)
    found = options.find(request.GET.get("place", ""))
    place = found if found is not None and found.facility is not None else options.first
    if place.facility is None:  # never: the reader has a facility, so its place comes first
        raise PermissionDenied("Choose a unit or facility.")
    program = place.facility.program
    now = timezone.now()
    medication_settings = settings_for(program)
    shift, starts = _handoff_shift(request.GET.get("shift", ""), program, medication_settings, now)
    episodes = census_rows.episodes_at(place, facilities)
    rows = handoff.build(episodes, program, medication_settings, shift, now)
    log.record_many(
        [
            {
                "event": "handoff.viewed",
                "actor": user,
                "patient": row.episode.patient,
                "facility": row.episode.facility,
                "target": row.episode,
                "changes": {"shift_start": shift.start.isoformat()},
            }
            for row in rows
        ]
    )
    context = {
        "rows": rows,
        "place": place,
        "places": options,
        "shift": shift,
        "previous": shift.previous(starts),
        "next": shift.next(starts),
        "now": now,
        "shift_is_current": shift.start <= now < shift.end,
    }
    return render(request, "board/handoff.html", context)
