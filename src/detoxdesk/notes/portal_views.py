"""Amendment requests in the patient portal: the patient's own requests, and nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.lib.forms import apply_errors
from detoxdesk.notes import actions, forms
from detoxdesk.notes.models import AmendmentRequest, Note
from detoxdesk.patients.models import Patient
from detoxdesk.portal.access import patient_required, require_portal_account
from detoxdesk.portal.actions import record_view

NOTES_OFFERED = 200  # the patient's latest signed notes offered to choose from (a page bound)


def _own_notes(patient: Patient) -> list[Note]:
    return list(
        Note.objects.filter(episode__patient=patient, status=Note.Status.SIGNED).order_by(
            "-event_at", "-id"
        )[:NOTES_OFFERED]
    )


@patient_required
def my_amendments(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    record_view(account, "amendments")
    rows = (
        AmendmentRequest.objects.filter(patient=account.patient)
        .select_related("note", "addendum")
        .order_by("-requested_at", "-id")[:NOTES_OFFERED]
    )
    context = {"rows": rows, "patient": account.patient, "disagree_form": forms.DisagreementForm()}
    return render(request, "notes/my_amendments.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
def my_amendment_new(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    notes = _own_notes(account.patient)
    form = forms.RequestForm(notes, request.POST or None, initial={"note": request.GET.get("note")})
    if request.method == "POST" and form.is_valid():
        chosen = {str(n.uuid): n for n in notes}.get(form.cleaned_data["note"] or "")
        try:
            actions.do_request_amendment(
                account.patient,
                acting_user=account.user,
                note=chosen,
                record=form.cleaned_data["record"],
                correction=form.cleaned_data["correction"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your request is sent. You will see the answer here.")
            return redirect("notes:my_amendments")
    if request.method == "GET":
        record_view(account, "amendment_new")
    return render(request, "notes/my_amendment_form.html", {"form": form})


@patient_required
@require_POST
def my_disagreement(request: HttpRequest, request_uuid: str) -> HttpResponse:
    account = require_portal_account(request.user)
    row = AmendmentRequest.objects.filter(uuid=request_uuid, patient=account.patient).first()
    if row is None:
        raise Http404("No such request.")
    form = forms.DisagreementForm(request.POST)
    if form.is_valid():
        try:
            actions.do_file_disagreement(
                row,
                acting_user=account.user,
                patient=account.patient,
                text=form.cleaned_data["disagreement"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your statement of disagreement is attached to your record.")
            return redirect("notes:my_amendments")
    context = {"row": row, "form": form}
    return render(request, "notes/my_disagreement.html", context, status=400)
