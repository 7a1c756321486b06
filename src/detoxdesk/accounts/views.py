from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import actions, mfa
from detoxdesk.accounts.auth import confirm_identity, staff_user
from detoxdesk.accounts.forms import (
    CheckedPasswordChangeForm,
    CodeForm,
    EnrolForm,
    ReauthForm,
    SignInForm,
)
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip
from detoxdesk.portal.access import is_patient

logger = logging.getLogger(__name__)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        result = actions.do_sign_in(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if result.user is not None:
            if result.pending == "verify":
                return redirect(_with_next(reverse("accounts:mfa_verify"), request))
            if result.pending == "enrol":
                return redirect(_with_next(reverse("accounts:mfa_enrol"), request))
            if is_patient(result.user) and not _wanted(request):
                return redirect("portal:home")
            return redirect(_next_url(request))
        error = result.error
    status = 400 if error else 200
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "error": error, "idle_minutes": settings.SESSION_IDLE_MINUTES},
        status=status,
    )


def _wanted(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _next_url(request: HttpRequest) -> str:
    wanted = _wanted(request)
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, request: HttpRequest) -> str:
    wanted = _next_url(request) if _wanted(request) else ""
    return f"{url}?{urlencode({'next': wanted})}" if wanted else url


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    actions.do_sign_out(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    user = staff_user(request)
    if request.session.get(mfa.PENDING_KEY) != "verify":
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.do_complete_sign_in(request, acting_user=user, code=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right. Enter the code the app shows now.")
    status = 400 if form.errors else 200
    return render(request, "accounts/mfa_verify.html", {"form": form}, status=status)


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code and secret, then a code to prove it works.

    The secret stays in the session until confirmed; the recovery codes are shown once, here.
    """
    user = staff_user(request)
    key = request.session.get(mfa.ENROLMENT_KEY)
    if not isinstance(key, str):
        key = mfa.new_enrolment_key()
        request.session[mfa.ENROLMENT_KEY] = key
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.do_enrol_authenticator(
                request, acting_user=user, token=form.cleaned_data["code"]
            )
        except ValueError as exc:
            form.add_error("code", str(exc))
        else:
            shown = {"codes": codes, "next": _next_url(request)}
            return render(request, "accounts/recovery_codes.html", shown)
    context: dict[str, Any] = {
        "form": form,
        "qr_svg": mfa.qr_svg(mfa.config_url(user, key)),
        "secret": mfa.secret_text(key),
        "required": request.session.get(mfa.PENDING_KEY) == "enrol",
        "replacing": mfa.has_authenticator(user),
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/mfa_enrol.html", context, status=status)


@sensitive_post_parameters("secret")
@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm who you are before a signature (see ``accounts.auth.require_recent_reauth``)."""
    staff_user(request)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = confirm_identity(request, form.cleaned_data["secret"])
        if error is None:
            return redirect(_next_url(request))
        form.add_error("secret", error)
    status = 400 if form.errors else 200
    context = {"form": form, "minutes": settings.REAUTH_MINUTES}
    return render(request, "accounts/reauth.html", context, status=status)


# Password reset and change: Django's views, the product's templates, audited ----------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The same page follows whether or not the address belongs to an account.
        with transaction.atomic():
            log.record(
                "auth.password_reset_requested", actor=None, ip_address=client_ip(self.request)
            )
        try:
            return super().form_valid(form)
        except (OSError, smtplib.SMTPException):
            # The mail server is down: say nothing more than for an unknown address, and log it.
            logger.exception("The password reset e-mail could not be sent.")
            return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            log.record("auth.password_reset", actor=form.user, ip_address=client_ip(self.request))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")
    form_class = CheckedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: BaseForm) -> HttpResponse:
        user = self.request.user
        with transaction.atomic():
            response = super().form_valid(form)
            actor = user if isinstance(user, User) else None
            log.record("auth.password_changed", actor=actor, ip_address=client_ip(self.request))
        return response
