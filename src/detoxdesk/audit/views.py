from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log, report
from detoxdesk.audit.forms import AuditFilterForm, AuditReportForm
from detoxdesk.audit.models import AuditEvent
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


def _auditor(request: HttpRequest) -> User:
    user = staff_user(request)
    if not permissions.can(user, permissions.AUDIT_VIEW):
        raise PermissionDenied("Only a director or an auditor can read the audit log.")
    return user


def _day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the last instant of ``end``, in the program's time zone."""
    tz = timezone.get_current_timezone()
    after_end = datetime.combine(end, time.min, tz) + timedelta(days=1)
    return datetime.combine(start, time.min, tz), after_end - timedelta(microseconds=1)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = _auditor(request)
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, object] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    # Written before the read, so the listing counts and shows its own view consistently.
    log.viewed(user, "audit.viewed", changes={k: str(v) for k, v in filters.items()})
    events = _filtered(visible_events(user), filters) if filters else visible_events(user)
    events = events.select_related("actor", "patient", "facility").order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "report_form": AuditReportForm()},
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    """The audit report as a CSV download; the form again, with its errors, when it is wrong."""
    user = _auditor(request)
    form = AuditReportForm(request.GET or None)
    patient = _reported_patient(user, form) if form.is_valid() else None
    if not form.is_valid():  # also when the record number matched no patient
        status = 400 if form.is_bound else 200
        return render(request, "audit/export.html", {"form": form}, status=status)
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    events = visible_events(user).filter(at__range=_day_range(start, end))
    if patient is not None:
        events = events.filter(patient=patient)
    # Like reading the log, downloading it is audited, before the read.
    log.record(
        "audit.exported", actor=user, patient=patient, changes={"from": str(start), "to": str(end)}
    )
    rows = events.select_related("actor", "patient", "facility").order_by("id")
    response = StreamingHttpResponse(
        report.lines(rows.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-report-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _reported_patient(user: User, form: AuditReportForm) -> Patient | None:
    """The patient of the record number asked for, among those the reader's log covers.

    None when no number was given; a field error when the number matches none of them.
    """
    number = form.cleaned_data["record_number"]
    if not number:
        return None
    ids = permissions.facility_ids_with(user, permissions.AUDIT_VIEW)
    found = (
        Patient.objects.filter(record_number=number)
        .filter(Q(episodes__facility_id__in=ids) | Q(registered_at_id__in=ids))
        .distinct()
        .first()
    )
    if found is None:
        form.add_error("record_number", "No patient with this record number at your facilities.")
    return found
