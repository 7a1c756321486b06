"""The bed board, reserving a bed from the intake queue, cleaning and moving patients."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.audit import log
from detoxdesk.beds import access, actions, queries, states
from detoxdesk.beds.forms import ReleaseForm, ReserveForm, TransferForm
from detoxdesk.intake import access as intake_access
from detoxdesk.intake.actions import settings_for
from detoxdesk.intake.models import Inquiry
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients.models import Episode, Facility
from detoxdesk.staff.models import Unit


def _places(facilities: list[Facility]) -> list[dict[str, Any]]:
    """Each facility, then its active units, as choices of the board (one query for units)."""
    units = Unit.objects.filter(facility__in=facilities, active=True).order_by("name")
    by_facility: dict[int, list[Unit]] = {}
    for unit in units:
        by_facility.setdefault(unit.facility_id, []).append(unit)
    found = []
    for facility in facilities:
        found.append({"key": f"f-{facility.uuid}", "label": facility.name, "facility": facility})
        found += [
            {
                "key": f"u-{u.uuid}",
                "label": f"{facility.name} — {u.name}",
                "facility": facility,
                "unit": u,
            }
            for u in by_facility.get(facility.pk, [])
        ]
    return found


def _grouped(beds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The beds by facility and unit, each group with its counts by state."""
    groups: list[dict[str, Any]] = []
    for bed in beds:
        key = (bed["facility"], bed["unit"])
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "facility": key[0], "unit": key[1], "beds": []})
        groups[-1]["beds"].append(bed)
    for group in groups:
        group["counts"] = _counts(Counter(b["state"] for b in group["beds"]))
    return groups


def _counts(counter: Counter[str]) -> list[tuple[str, str, int]]:
    return [(state, label, counter[state]) for state, label in states.LABELS.items()]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The beds of one facility or unit as a grid, with their states and counts."""
    user = staff_user(request)
    facilities = list(
        permissions.facilities_with(user, permissions.CENSUS_VIEW).order_by("name", "pk")
    )
    if not facilities:
        raise PermissionDenied("Your role does not include the bed board.")
    places = _places(facilities)
    place = next((p for p in places if p["key"] == request.GET.get("place")), places[0])
    now = timezone.now()
    unit = place.get("unit")
    beds = queries.board(queries.beds_at([place["facility"].pk], unit.pk if unit else None), now)
    log.viewed(user, "bed.board_viewed", facility=place["facility"])
    facility = place["facility"]
    return render(
        request,
        "beds/board.html",
        {
            "places": places,
            "place": place,
            "groups": _grouped(beds),
            "totals": _counts(Counter(b["state"] for b in beds)),
            "now": now,
            "can_manage": permissions.can(user, permissions.BED_MANAGE, facility),
            "can_reserve": permissions.can(user, permissions.BED_RESERVE, facility),
            "can_chart": permissions.can(user, permissions.CHART_VIEW, facility),
        },
    )


def _reserve_context(inquiry: Inquiry, user: Any, form: Form | None = None) -> dict[str, Any]:
    now = timezone.now()
    held = queries.open_reservation(inquiry.pk, now)
    facility_ids = permissions.facility_ids_with(user, permissions.BED_RESERVE)
    beds = queries.available(
        Facility.objects.filter(
            pk__in=facility_ids,
            program_id=inquiry.facility.program_id,
            kind=Facility.Kind.INPATIENT,
        ).values_list("pk", flat=True),
        now,
    )
    hours = settings_for(inquiry.facility.program).bed_hold_hours
    return {
        "inquiry": inquiry,
        "held": held,
        "form": form or ReserveForm(beds, hold_hours=hours),
        "beds": beds,
        "release_form": ReleaseForm(),
        "hold_hours": hours,
        "settings_url": reverse("intake:settings"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def reserve(request: HttpRequest, inquiry_uuid: str) -> HttpResponse:
    """Reserve a bed for someone in the intake queue (or see and release the one they hold)."""
    user = staff_user(request)
    inquiry = intake_access.get_inquiry_for_user(user, inquiry_uuid)
    if not permissions.can(user, permissions.BED_RESERVE):
        raise PermissionDenied("Your role cannot reserve beds.")
    context = _reserve_context(inquiry, user)
    if request.method == "POST":
        form = ReserveForm(context["beds"], request.POST, hold_hours=context["hold_hours"])
        if form.is_valid():
            try:
                held = actions.do_reserve_bed(
                    inquiry,
                    form.cleaned_data["bed"],
                    acting_user=user,
                    expires_at=form.cleaned_data["expires_at"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, f"Bed {held.bed.label} reserved for {inquiry.person_name}."
                )
                return redirect("intake:queue")
        context = _reserve_context(inquiry, user, form)
        return render(request, "beds/reserve.html", context, status=400)
    log.viewed(user, "inquiry.viewed", target=inquiry)
    return render(request, "beds/reserve.html", context)


@login_required
@require_POST
def release(request: HttpRequest, reservation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    reservation = access.get_reservation_for_user(user, reservation_uuid)
    form = ReleaseForm(request.POST)
    back = request.POST.get("next") or ""
    if not form.is_valid():
        messages.error(request, "Tick to confirm that the bed is given back; nothing was changed.")
    else:
        try:
            actions.do_release_reservation(reservation, acting_user=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Bed {reservation.bed.label} given back.")
    if back == "board":
        return redirect(f"{reverse('beds:board')}?place=f-{reservation.bed.facility.uuid}")
    return redirect("beds:reserve", inquiry_uuid=reservation.inquiry.uuid)


def _back_to_board(request: HttpRequest, facility: Facility) -> HttpResponse:
    place = request.POST.get("place") or f"f-{facility.uuid}"
    return redirect(f"{reverse('beds:board')}?place={place}")


@login_required
@require_POST
def cleaned(request: HttpRequest, facility_uuid: str, label: str) -> HttpResponse:
    user = staff_user(request)
    bed = access.get_bed_for_user(user, facility_uuid, label)
    try:
        actions.do_finish_cleaning(bed, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Bed {bed.label} is clean.")
    return _back_to_board(request, bed.facility)


@login_required
@require_POST
def needs_cleaning(request: HttpRequest, facility_uuid: str, label: str) -> HttpResponse:
    user = staff_user(request)
    bed = access.get_bed_for_user(user, facility_uuid, label)
    try:
        actions.do_request_cleaning(bed, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Bed {bed.label} is waiting to be cleaned.")
    return _back_to_board(request, bed.facility)


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, facility_uuid: str, label: str) -> HttpResponse:
    """Move the patient in this bed to another bed or unit of the facility."""
    user = staff_user(request)
    bed = access.get_bed_for_user(user, facility_uuid, label)
    episode = (
        Episode.objects.filter(bed=bed, status=Episode.Status.ACTIVE)
        .select_related("patient", "facility")
        .first()
    )
    if episode is None:
        messages.error(request, f"Nobody is in bed {bed.label}: there is no one to move.")
        return _back_to_board(request, bed.facility)
    beds = queries.available([bed.facility_id], timezone.now())
    form = TransferForm(beds, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_transfer(
                episode,
                form.cleaned_data["to_bed"],
                acting_user=user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"{episode.patient.full_name} moved to bed {form.cleaned_data['to_bed'].label}.",
            )
            return _back_to_board(request, bed.facility)
    log.viewed(user, "bed.transfers_viewed", patient=episode.patient, facility=bed.facility)
    return render(
        request,
        "beds/move.html",
        {
            "bed": bed,
            "episode": episode,
            "form": form,
            "transfers": episode.bed_transfers.all()[:20],
        },
        status=400 if form.errors else 200,
    )
