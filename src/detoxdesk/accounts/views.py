from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import actions
from detoxdesk.accounts.forms import SignInForm
from detoxdesk.portal.access import is_patient


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


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    actions.do_sign_out(request)
    return redirect("accounts:login")
