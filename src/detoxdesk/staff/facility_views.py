"""Facility, unit and bed pages for administrators. Deleting is offered, and refused for
anything with history; deactivating (or taking a bed out of service) is the usual way out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients.models import Facility
from detoxdesk.staff import access, actions
from detoxdesk.staff.forms import BedForm, FacilityForm, NewFacilityForm, UnitForm
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.views import Confirmation, page_of


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    facilities = (
        access.managed_facilities(user)
        .annotate(
            bed_count=Count("beds", distinct=True), staff_count=Count("memberships", distinct=True)
        )
        .order_by("name")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        facilities = facilities.filter(Q(name__icontains=query) | Q(program__name__icontains=query))
    context = {"page": page_of(request, facilities), "query": query}
    return render(request, "staff/facility_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = NewFacilityForm(request.POST or None, programs=access.managed_programs(user))
    if request.method == "POST" and form.is_valid():
        try:
            facility = actions.do_create_facility(
                form.cleaned_data["program"],
                acting_user=user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{facility.name} was created; you are its administrator.")
            return redirect("staff:facility", facility_uuid=facility.uuid)
    status = 400 if form.errors else 200
    return render(request, "staff/facility_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def facility(request: HttpRequest, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    form = FacilityForm(
        request.POST or None,
        initial={
            "name": place.name,
            "kind": place.kind,
            "version": actions.facility_version(place),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_facility(
                place,
                acting_user=user,
                version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The facility was saved.")
            return redirect("staff:facility", facility_uuid=place.uuid)
    return _facility_page(request, user, place, form=form)


def _facility_page(request: HttpRequest, user: User, place: Facility, **forms: Any) -> HttpResponse:
    del user
    statuses = {
        s.bed_id: s for s in BedStatus.objects.filter(bed__facility=place).select_related("unit")
    }
    beds = [(bed, statuses.get(bed.pk) or BedStatus(bed=bed)) for bed in place.beds.all()]
    context = {
        "facility": place,
        "active": actions.facility_is_active(place),
        "units": place.units.all(),
        "beds": beds,
        "form": forms.get("form")
        or FacilityForm(
            initial={
                "name": place.name,
                "kind": place.kind,
                "version": actions.facility_version(place),
            }
        ),
        "unit_form": forms.get("unit_form") or UnitForm(),
        "bed_form": forms.get("bed_form") or BedForm(facility=place),
    }
    bound = [f for f in forms.values() if f.is_bound]
    status = 400 if any(f.errors for f in bound) else 200
    return render(request, "staff/facility.html", context, status=status)


FACILITY_ACTIONS = {
    "deactivate": (
        "Deactivate {name}?",
        "Nobody can be invited to {name} or given a role there, and no units or beds "
        "can be added, until it is reactivated. Its records stay as they are.",
        "Deactivate the facility",
        "{name} is deactivated.",
    ),
    "reactivate": (
        "Reactivate {name}?",
        "{name} is in use again.",
        "Reactivate the facility",
        "{name} is active again.",
    ),
    "delete": (
        "Delete {name}?",
        "Only a facility that was never used can be deleted. One with patients, stays or "
        "audit records is kept: deactivate it instead.",
        "Delete the facility",
        "{name} was deleted.",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def facility_action(request: HttpRequest, facility_uuid: str, action: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    if action not in FACILITY_ACTIONS:
        raise Http404("No such action.")
    title, body, button, done = (text.format(name=place.name) for text in FACILITY_ACTIONS[action])
    confirm = Confirmation(title, body, button, cancel=reverse("staff:facility", args=[place.uuid]))

    def act() -> object:
        if action == "delete":
            actions.do_delete_facility(place, acting_user=user)
            return None
        return actions.do_set_facility_active(
            place, acting_user=user, active=action == "reactivate"
        )

    then = reverse("staff:facilities") if action == "delete" else ""
    return confirm.handle(request, act, done=done, then=then)


@login_required
@require_POST
def unit_new(request: HttpRequest, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    form = UnitForm(request.POST)
    if form.is_valid():
        try:
            actions.do_create_unit(place, acting_user=user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Unit {form.cleaned_data['name']} was added.")
            return redirect("staff:facility", facility_uuid=place.uuid)
    return _facility_page(request, user, place, unit_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def unit(request: HttpRequest, unit_uuid: str) -> HttpResponse:
    user = staff_user(request)
    record = access.get_unit_for_user(user, unit_uuid)
    form = UnitForm(
        request.POST or None,
        initial={
            "name": record.name,
            "active": record.active,
            "version": actions.unit_version(record),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_unit(
                record,
                acting_user=user,
                version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
                active=form.cleaned_data["active"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The unit was saved.")
            return redirect("staff:facility", facility_uuid=record.facility.uuid)
    status = 400 if form.errors else 200
    return render(request, "staff/unit.html", {"unit": record, "form": form}, status=status)


@login_required
@require_POST
def bed_new(request: HttpRequest, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    form = BedForm(request.POST, facility=place)
    if form.is_valid():
        try:
            actions.do_create_bed(
                place,
                acting_user=user,
                label=form.cleaned_data["label"],
                unit=form.cleaned_data["unit"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Bed {form.cleaned_data['label']} was added.")
            return redirect("staff:facility", facility_uuid=place.uuid)
    return _facility_page(request, user, place, bed_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def bed(request: HttpRequest, facility_uuid: str, label: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    record = access.get_bed_for_user(user, place, label)
    status = actions.bed_status(record)
    form = BedForm(
        request.POST or None,
        facility=place,
        initial={
            "label": record.label,
            "unit": status.unit,
            "in_service": status.in_service,
            "reason": status.out_of_service_reason,
            "version": actions.bed_version(record),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_bed(
                record,
                acting_user=user,
                version=data["version"],
                label=data["label"],
                unit=data["unit"],
                in_service=data["in_service"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Bed {data['label']} was saved.")
            return redirect("staff:facility", facility_uuid=place.uuid)
    context = {"facility": place, "bed": record, "form": form}
    return render(request, "staff/bed.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def bed_delete(request: HttpRequest, facility_uuid: str, label: str) -> HttpResponse:
    user = staff_user(request)
    place = access.get_facility_for_user(user, facility_uuid)
    record = access.get_bed_for_user(user, place, label)
    back = reverse("staff:facility", args=[place.uuid])
    confirm = Confirmation(
        title=f"Delete bed {record.label}?",
        body="Only a bed that no stay ever used can be deleted. A bed with history is kept: "
        "take it out of service instead.",
        button="Delete the bed",
        cancel=reverse("staff:bed", args=[place.uuid, record.label]),
    )
    return confirm.handle(
        request,
        lambda: actions.do_delete_bed(record, acting_user=user),
        done=f"Bed {record.label} was deleted.",
        then=back,
    )
