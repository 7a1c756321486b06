"""Portal pages: a patient's own record only, and the staff page that invites a patient."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.audit import log
from detoxdesk.lib.forms import apply_errors
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients import access as patient_access
from detoxdesk.patients.models import Facility, Patient
from detoxdesk.portal import actions, integrations
from detoxdesk.portal.access import patient_required, require_portal_account
from detoxdesk.portal.coping import COPING_ADVICE
from detoxdesk.portal.forms import AcceptInvitationForm, CravingForm, SowsForm
from detoxdesk.portal.models import CravingRating, Invitation, PortalAccount


def _today_sows(patient: Patient) -> Assessment | None:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Assessment.objects.filter(
            episode__patient=patient, scale=Scale.SOWS, performed_at__gte=start
        )
        .order_by("-performed_at")
        .first()
    )


@patient_required
def home(request: HttpRequest) -> HttpResponse:
    """Patient portal home."""
    account = require_portal_account(request.user)
    actions.record_view(account, "home")
    patient = account.patient
    context: dict[str, Any] = {
        "patient": patient,
        "episode": actions.active_episode(patient),
        "today_sows": _today_sows(patient),
        "cravings": CravingRating.objects.filter(patient=patient)[:5],
        "craving_form": CravingForm(),
        "taper": integrations.taper(patient),
        "appointments": integrations.appointments(patient),
        "summary": integrations.summary(patient),
        "coping": COPING_ADVICE,
    }
    return render(request, "portal/home.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
def sows(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    form = SowsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = actions.do_submit_sows(acting_user=account.user, answers=form.answers())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Thank you. Your SOWS score today is {assessment.total}.")
            return redirect("portal:home")
    if request.method == "GET":
        actions.record_view(account, "sows")
    episode = actions.active_episode(account.patient)
    return render(request, "portal/sows.html", {"form": form, "episode": episode})


@patient_required
@require_http_methods(["GET", "POST"])
def craving(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    form = CravingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_craving(
                acting_user=account.user,
                rating=form.cleaned_data["rating"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Thank you. Your craving rating was saved.")
            return redirect("portal:home")
    if request.method == "GET":
        actions.record_view(account, "craving")
    return render(request, "portal/craving.html", {"form": form})


@patient_required
def summary(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    actions.record_view(account, "summary")
    return render(
        request, "portal/summary.html", {"summary": integrations.summary(account.patient)}
    )


@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Set up a patient account from an invitation link (nobody may be signed in)."""
    if request.user.is_authenticated:
        return render(request, "portal/accept.html", {"signed_in": True}, status=403)
    invitation = actions.usable_invitation(token)
    if invitation is None:
        return render(request, "portal/accept.html", {"expired": True}, status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.do_accept_invitation(
                token,
                acting_user=None,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, user, backend="detoxdesk.accounts.backends.AccountBackend")
            messages.success(request, "Your account is ready. Welcome.")
            return redirect("portal:home")
    return render(request, "portal/accept.html", {"form": form, "invitation": invitation})


def _invite_facility(user: Any, patient: Patient) -> Facility:
    episode = patient_access.current_episode_for_user(user, patient)
    facility = episode.facility if episode else patient.registered_at
    if facility is None or not permissions.can(user, permissions.PORTAL_INVITE, facility):
        raise PermissionDenied("Your role cannot invite this patient to the portal.")
    return facility


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, patient_uuid: str) -> HttpResponse:
    """Staff: create a one-time invitation link to give to the patient."""
    user = staff_user(request)
    patient = patient_access.get_patient_for_user(user, patient_uuid)
    facility = _invite_facility(user, patient)
    context: dict[str, Any] = {
        "patient": patient,
        "has_account": PortalAccount.objects.filter(patient=patient).exists(),
        "open_invitation": Invitation.objects.filter(
            patient=patient,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).first(),
    }
    if request.method == "GET":
        log.viewed(user, "portal.invite_viewed", patient=patient, facility=facility)
    if request.method == "POST":
        try:
            invitation, token = actions.do_invite_patient(
                patient, acting_user=user, facility=facility
            )
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            context["link"] = request.build_absolute_uri(reverse("portal:accept", args=[token]))
            context["invitation"] = invitation
    return render(request, "portal/invite.html", context)
