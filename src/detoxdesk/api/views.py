"""The API tokens page: a staff member's own tokens, and an administrator's view of those of the
staff at their facilities. A new token is shown once, on the page that created it."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.api import tokens
from detoxdesk.api.models import ApiToken, Scope
from detoxdesk.lib.forms import apply_errors

LIST_MAX = 200


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What the token is for (e.g. the device)")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, label="Scopes"
    )


def _managed_tokens(user: User) -> list[ApiToken]:
    """The user's own tokens, and those of staff at the facilities they administer."""
    facility_ids = permissions.facility_ids_with(user, permissions.STAFF_MANAGE)
    rows = ApiToken.objects.select_related("user", "created_by")
    if facility_ids:
        owners = User.objects.filter(memberships__facility_id__in=facility_ids).values("pk")
        rows = rows.filter(user__in=owners) | rows.filter(user=user)
    else:
        rows = rows.filter(user=user)
    return list(rows.distinct().order_by("-created_at")[:LIST_MAX])


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.do_create_token(
                owner=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                acting_user=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm()
    status = 400 if form.errors else (201 if created else 200)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": _managed_tokens(user), "me": user},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, token_uuid: str) -> HttpResponse:
    user = staff_user(request)
    token = ApiToken.objects.select_related("user").filter(uuid=token_uuid).first()
    if token is None or not tokens.may_manage(user, token.user):
        raise Http404("No such token.")
    if request.method == "POST":
        try:
            tokens.do_revoke_token(token, acting_user=user)
        except PermissionDenied:
            raise Http404("No such token.") from None
        return redirect("api_tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
