"""The patient's own consents and accounting of disclosures, in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from detoxdesk.disclosures import actions, package, queries
from detoxdesk.disclosures.forms import PortalRevokeForm, PortalSignForm
from detoxdesk.disclosures.models import Consent, Revocation
from detoxdesk.disclosures.views import accounting_context
from detoxdesk.lib.forms import apply_errors
from detoxdesk.portal.access import patient_required, require_portal_account
from detoxdesk.portal.actions import record_view
from detoxdesk.portal.models import PortalAccount


def _own_consent(account: PortalAccount, consent_uuid: str) -> Consent:
    found = (
        Consent.objects.filter(uuid=consent_uuid, patient=account.patient)
        .select_related("patient", "facility")
        .first()
    )
    if found is None:
        raise Http404("No such consent.")
    return found


@patient_required
def my_consents(request: HttpRequest) -> HttpResponse:
    account = require_portal_account(request.user)
    record_view(account, "consents")
    found = list(queries.consents_of(account.patient)[:50])
    return render(request, "disclosures/portal/consents.html", {"consents": found})


@patient_required
@require_http_methods(["GET", "POST"])
def my_consent(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    """Read a consent; sign it when it waits for the patient's signature."""
    account = require_portal_account(request.user)
    found = _own_consent(account, consent_uuid)
    form = PortalSignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_sign_in_portal(
                found, user=account.user, typed_name=form.cleaned_data["typed_name"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Thank you. Your consent is signed.")
            return redirect("disclosures:my_consent", consent_uuid=found.uuid)
    record_view(account, "consent")
    context = {"consent": found, "elements": package.consent_elements(found), "form": form}
    return render(request, "disclosures/portal/consent.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
def my_revoke(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    account = require_portal_account(request.user)
    found = _own_consent(account, consent_uuid)
    form = PortalRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_revoke_consent(
                found,
                user=account.user,
                form=Revocation.Form.PORTAL,
                received_on=timezone.localdate(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your consent is revoked.")
            return redirect("disclosures:my_consent", consent_uuid=found.uuid)
    record_view(account, "revoke consent")
    return render(request, "disclosures/portal/revoke.html", {"consent": found, "form": form})


@patient_required
def my_accounting(request: HttpRequest) -> HttpResponse:
    """The patient's own accounting of disclosures (42 CFR 2.25)."""
    account = require_portal_account(request.user)
    record_view(account, "accounting of disclosures")
    context = accounting_context(request, account.patient)
    return render(request, "disclosures/portal/accounting.html", context)
