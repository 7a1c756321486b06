"""Staff pages of the disclosure door: consents, releasing records, emergencies, the accounting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.disclosures import access, actions, content, package, queries
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.forms import (
    AccountingPeriodForm,
    ConsentForm,
    EmergencyForm,
    ReleaseForm,
    RevokeForm,
)
from detoxdesk.disclosures.models import Consent, Disclosure, Revocation
from detoxdesk.lib.dates import shown
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access as patient_access
from detoxdesk.patients.models import Episode, Facility, Patient

PAGE_SIZE = 25
VIEW, RECORD = permissions.DISCLOSURE_VIEW, permissions.CONSENT_RECORD
MAKE, EMERGENCY = permissions.DISCLOSURE_MAKE, permissions.DISCLOSURE_EMERGENCY


def _audit(user: User, event: str, patient: Patient | None, **extra: Any) -> None:
    with transaction.atomic():
        log.record(event, actor=user, patient=patient, **extra)


def _episode(user: User, patient: Patient) -> Episode | None:
    return patient_access.current_episode_for_user(user, patient)


def _facility(user: User, patient: Patient, capability: str) -> Facility:
    ids = permissions.facility_ids_with(user, capability) & patient_access.patient_facility_ids(
        patient
    )
    return Facility.objects.filter(pk__in=ids).order_by("pk")[0]


@login_required
def consents(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """A patient's consents, newest first, with the latest disclosures made."""
    user = staff_user(request)
    patient = access.get_patient(user, patient_uuid, VIEW)
    _audit(user, "consent.list_viewed", patient)
    page = Paginator(queries.consents_of(patient), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "patient": patient,
        "page": page,
        "latest": list(queries.accounting(patient)[:5]),
        "own_copies": list(queries.own_copies(patient)[:5]),
        "can_record": patient_access.may(user, RECORD, patient),
        "can_release": patient_access.may(user, MAKE, patient),
        "can_emergency": patient_access.may(user, EMERGENCY, patient),
    }
    return render(request, "disclosures/consents.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    user = staff_user(request)
    patient = access.get_patient(user, patient_uuid, RECORD)
    facility = _facility(user, patient, RECORD)
    initial = {"disclosing_party": patient.program.name, "signed_on": timezone.localdate()}
    form = ConsentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent = actions.do_record_consent(
                user=user, patient=patient, facility=facility, **form.action_kwargs()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("disclosures:consent", consent_uuid=consent.uuid)
    _audit(user, "consent.list_viewed", patient, changes={"page": "new consent"})
    return render(request, "disclosures/consent_new.html", {"patient": patient, "form": form})


@login_required
def consent(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    """One consent with every element filled: the print view of the consent form."""
    user = staff_user(request)
    found = access.get_consent(user, consent_uuid, VIEW)
    _audit(user, "consent.viewed", found.patient, target=found)
    context = {
        "consent": found,
        "elements": package.consent_elements(found),
        "revocation": Revocation.objects.filter(consent=found)
        .select_related("recorded_by")
        .first(),
        "can_revoke": found.status != Consent.Status.REVOKED
        and patient_access.may(user, RECORD, found.patient),
        "disclosures": list(found.disclosures.select_related("disclosed_by")[:PAGE_SIZE]),
    }
    return render(request, "disclosures/consent.html", context)


@login_required
def consent_scan(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_consent(user, consent_uuid, VIEW)
    if not found.scan:
        return render(request, "disclosures/no_scan.html", {"consent": found}, status=404)
    _audit(user, "consent.scan_viewed", found.patient, target=found)
    response = HttpResponse(bytes(found.scan), content_type=found.scan_content_type)
    response["Content-Disposition"] = 'inline; filename="signed-consent"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    """Record a written revocation, after a confirmation."""
    user = staff_user(request)
    found = access.get_consent(user, consent_uuid, RECORD)
    form = RevokeForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_revoke_consent(
                found,
                user=user,
                form=Revocation.Form.LETTER,
                received_on=form.cleaned_data["received_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Consent revoked. No new disclosure will be made under it.")
            return redirect("disclosures:consent", consent_uuid=found.uuid)
    _audit(user, "consent.viewed", found.patient, target=found)
    return render(request, "disclosures/revoke.html", {"consent": found, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """Print a record for the patient or someone outside: always through the disclosure door."""
    user = staff_user(request)
    patient = access.get_patient(user, patient_uuid, MAKE)
    episode = _episode(user, patient)
    initial = {"information": request.GET.get("information", ""), "audience": "other"}
    form = ReleaseForm(request.POST or None, initial=initial)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():
        outcome = _release(user, patient, episode, form)
        if isinstance(outcome, Disclosure):
            return redirect("disclosures:disclosure", disclosure_uuid=outcome.uuid)
        refused = outcome
    _audit(user, "disclosure.release_viewed", patient)
    context = {"patient": patient, "episode": episode, "form": form, "refused": refused}
    return render(request, "disclosures/release.html", context, status=403 if refused else 200)


def _release(
    user: User, patient: Patient, episode: Episode | None, form: ReleaseForm
) -> Disclosure | list[str]:
    """The disclosure made, or the reasons it was refused (empty: a field error was added)."""
    information = form.cleaned_data["information"]
    problem = content.missing(information, patient, episode)
    if problem:
        form.add_error("information", problem)
        return []
    recipient, purpose = form.recipient_and_purpose()
    try:
        return actions.do_disclose(
            user=user,
            patient=patient,
            recipient=recipient,
            purpose=purpose,
            information=information,
            description=form.description(),
            episode=episode,
        )
    except DisclosureRefused as exc:
        return exc.reasons


@login_required
def disclosure(request: HttpRequest, disclosure_uuid: str) -> HttpResponse:
    """What leaves: the record, with the section 2.32 notice and the copy of the consent."""
    user = staff_user(request)
    found = access.get_disclosure(user, disclosure_uuid, MAKE)
    _audit(user, "disclosure.release_viewed", found.patient, target=found)
    context: dict[str, Any] = {"disclosure": found, "patient": found.patient}
    context.update(content.context(found.information, found.patient, found.episode))
    return render(request, "disclosures/package.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """Record a disclosure made in a medical emergency, at once (42 CFR 2.51)."""
    user = staff_user(request)
    patient = access.get_patient(user, patient_uuid, EMERGENCY)
    form = EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        try:
            found = actions.do_disclose_emergency(
                user=user, patient=patient, episode=_episode(user, patient), **data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(request, "Emergency disclosure recorded; the director is told.")
            return redirect("disclosures:disclosure", disclosure_uuid=found.uuid)
    _audit(user, "disclosure.release_viewed", patient, changes={"page": "emergency"})
    return render(request, "disclosures/emergency.html", {"patient": patient, "form": form})


@login_required
def emergencies(request: HttpRequest) -> HttpResponse:
    """The director's worklist: emergency disclosures not yet reviewed, oldest first."""
    user = staff_user(request)
    ids = permissions.facility_ids_with(user, permissions.DISCLOSURE_REVIEW)
    if not ids:
        raise PermissionDenied("Your role does not review emergency disclosures.")
    found = queries.emergencies_to_review(ids)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit(user, "disclosure.emergency_worklist_viewed", None)
    return render(request, "disclosures/emergencies.html", {"page": page})


@login_required
@require_POST
def review(request: HttpRequest, disclosure_uuid: str) -> HttpResponse:
    user = staff_user(request)
    found = access.get_disclosure(user, disclosure_uuid, VIEW)
    try:
        actions.do_review_emergency(found, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as reviewed.")
    return redirect("disclosures:emergencies")


@login_required
def accounting(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """The accounting of disclosures for a patient: three years, or a shorter period picked."""
    user = staff_user(request)
    patient = access.get_patient(user, patient_uuid, VIEW)
    context = accounting_context(request, patient)
    _audit(user, "disclosure.accounting_viewed", patient, changes={"since": str(context["since"])})
    return render(request, "disclosures/accounting.html", context)


def accounting_context(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    """The period form, the page of entries and the period's first day (staff and portal)."""
    earliest = queries.default_since()
    form = AccountingPeriodForm(request.GET or None)
    since = earliest
    if form.is_valid() and form.cleaned_data["since"]:
        since = form.cleaned_data["since"]
        if since < earliest:
            form.add_error(
                "since", f"The accounting goes back to {shown(earliest, 'DATE_FORMAT')} at most."
            )
            since = earliest
    entries = queries.accounting(patient, since=since)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"patient": patient, "form": form, "page": page, "since": since, "earliest": earliest}
