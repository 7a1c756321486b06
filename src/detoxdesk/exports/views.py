"""The staff page that releases an episode as a FHIR bundle, through the disclosure door."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.exports import door
from detoxdesk.exports.forms import ReleaseForm
from detoxdesk.patients.access import get_episode_for_user
from detoxdesk.patients.models import Episode

RELEASE = permissions.DISCLOSURE_MAKE


@login_required
@require_http_methods(["GET", "POST"])
def fhir_release(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = get_episode_for_user(user, episode_uuid, capability=RELEASE)
    if request.method != "POST":
        _viewed(user, episode)
        return _page(request, episode, ReleaseForm())
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return _page(request, episode, form, status=400)
    try:
        disclosure, bundle = door.disclose_bundle(
            user=user,
            episode=episode,
            recipient=form.cleaned_data["recipient"],
            purpose=form.cleaned_data["purpose"],
        )
    except DisclosureRefused as refused:
        return _page(request, episode, form, refused=refused.reasons, status=400)
    response = HttpResponse(
        json.dumps(bundle, indent=2, ensure_ascii=False), content_type="application/fhir+json"
    )
    name = f"{episode.patient.record_number}-{disclosure.uuid}.fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _viewed(user: User, episode: Episode) -> None:
    with transaction.atomic():
        log.record(
            "fhir_release.viewed",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=episode,
        )


def _page(
    request: HttpRequest,
    episode: Episode,
    form: ReleaseForm,
    *,
    refused: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"episode": episode, "patient": episode.patient, "form": form, "refused": refused}
    return render(request, "exports/fhir_release.html", context, status=status)
