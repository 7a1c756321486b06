from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.audit.forms import AuditFilterForm
from detoxdesk.audit.models import AuditEvent
from detoxdesk.lib.auth import staff_user
from detoxdesk.patients.models import Patient

PAGE_SIZE = 50


def visible_events(user: User) -> QuerySet[AuditEvent]:
    """Events at the facilities where ``user`` may read the audit log, their patients and staff."""
    ids = permissions.facility_ids_with(user, permissions.AUDIT_VIEW)
    patients = Patient.objects.filter(episodes__facility_id__in=ids).values("pk")
    staff = User.objects.filter(memberships__facility_id__in=ids).values("pk")
    return AuditEvent.objects.filter(
        Q(facility_id__in=ids) | Q(patient_id__in=patients) | Q(actor_id__in=staff)
    )


def _filtered(events: QuerySet[AuditEvent], data: dict[str, object]) -> QuerySet[AuditEvent]:
    if data.get("user"):
        term = str(data["user"])
        events = events.filter(
            Q(actor__username__icontains=term)
            | Q(actor__first_name__icontains=term)
            | Q(actor__last_name__icontains=term)
        )
    if data.get("patient"):
        term = str(data["patient"])
        events = events.filter(
            Q(patient__record_number__iexact=term)
            | Q(patient__family_name__icontains=term)
            | Q(patient__given_name__icontains=term)
        )
    if data.get("event"):
        events = events.filter(event=data["event"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tz))  # type: ignore[arg-type]
    if data.get("date_to"):
        end = datetime.combine(data["date_to"], time.min, tz) + timedelta(days=1)  # type: ignore[arg-type]
        events = events.filter(at__lt=end)
    return events


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not permissions.can(user, permissions.AUDIT_VIEW):
        raise PermissionDenied("Only a director or an auditor can read the audit log.")
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, object] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    # Written before the read, so the listing counts and shows its own view consistently.
    with transaction.atomic():
        log.record("audit.viewed", actor=user, changes={k: str(v) for k, v in filters.items()})
    events = _filtered(visible_events(user), filters) if filters else visible_events(user)
    events = events.select_related("actor", "patient", "facility").order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page},
    )
