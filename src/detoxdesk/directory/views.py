"""Directory pages: staff search, detail, add/edit/verify, and the public search for families."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.directory import actions, ratelimit, search
from detoxdesk.directory.forms import ResourceForm, SearchForm, VerifyForm
from detoxdesk.directory.models import Resource
from detoxdesk.lib.forms import apply_errors

PAGE_SIZE = 25


def _viewer(request: HttpRequest) -> User:
    user = staff_user(request)
    if not permissions.can(user, permissions.DIRECTORY_VIEW):
        raise PermissionDenied("Your role does not include the resource directory.")
    return user


def _manager(request: HttpRequest) -> User:
    user = staff_user(request)
    if not permissions.can(user, permissions.DIRECTORY_MANAGE):
        raise PermissionDenied("Your role cannot change the resource directory.")
    return user


def _results(request: HttpRequest, *, browse_all: bool) -> dict[str, Any]:
    """The search form, the page, its hits, and whether a search was asked for.

    Without a distance the page is cut in SQL; a distance search sorts its (boxed) matches in
    Python first.
    """
    form = SearchForm(request.GET or None)
    asked = bool(request.GET)
    criteria: search.Criteria | None = None
    if asked and form.is_valid():
        criteria = form.criteria()
    elif not asked and browse_all:
        criteria = search.Criteria()
    number = request.GET.get("page")
    page: Page[Any]
    if criteria is None:
        page = Paginator([], PAGE_SIZE).get_page(1)
        hits: list[search.Hit] = []
    elif criteria.near is None:
        qs = search.filtered(criteria).order_by("name", "pk")
        page = Paginator(qs, PAGE_SIZE).get_page(number)
        hits = [search.Hit(r) for r in page]
    else:
        page = Paginator(search.search(criteria).hits, PAGE_SIZE).get_page(number)
        hits = list(page)
    return {"form": form, "page": page, "hits": hits, "asked": asked, "criteria": criteria}


@login_required
@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    """Staff search of the resource directory."""
    user = _viewer(request)
    log.viewed(user, "directory.viewed")
    context = _results(request, browse_all=True)
    context["can_manage"] = permissions.can(user, permissions.DIRECTORY_MANAGE)
    return render(request, "directory/list.html", context)


@login_required
@require_GET
def resource_detail(request: HttpRequest, resource_uuid: str) -> HttpResponse:
    user = _viewer(request)
    resource = get_object_or_404(
        Resource.objects.select_related("last_verified_by"), uuid=resource_uuid
    )
    can_manage = permissions.can(user, permissions.DIRECTORY_MANAGE)
    return render(
        request,
        "directory/detail.html",
        {"resource": resource, "can_manage": can_manage, "verify_form": VerifyForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_add(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = actions.do_create_resource(acting_user=user, values=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{resource.name} was added to the directory.")
            return redirect("directory:detail", resource_uuid=resource.uuid)
    return render(request, "directory/form.html", {"form": form, "resource": None})


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, resource_uuid: str) -> HttpResponse:
    user = _manager(request)
    resource = get_object_or_404(Resource, uuid=resource_uuid)
    form = ResourceForm(request.POST or None, initial=ResourceForm.initial_for(resource))
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.do_update_resource(
                resource, acting_user=user, values=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Saved." if changes else "Nothing had changed.")
            return redirect("directory:detail", resource_uuid=resource.uuid)
    return render(request, "directory/form.html", {"form": form, "resource": resource})


@login_required
@require_POST
def resource_verify(request: HttpRequest, resource_uuid: str) -> HttpResponse:
    user = _manager(request)
    resource = get_object_or_404(Resource, uuid=resource_uuid)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            actions.do_verify_resource(
                resource, acting_user=user, verified_on=form.cleaned_data["verified_on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return render(
            request,
            "directory/detail.html",
            {"resource": resource, "can_manage": True, "verify_form": form},
            status=400,
        )
    messages.success(request, f"{resource.name} marked as verified.")
    return redirect("directory:detail", resource_uuid=resource.uuid)


@require_GET
def public_search(request: HttpRequest) -> HttpResponse:
    """The public search page for families: no sign-in, nothing about the visitor is recorded."""
    if request.GET and not ratelimit.allow(request):
        return render(request, "directory/public_search.html", {"limited": True}, status=429)
    context = _results(request, browse_all=False)
    return render(request, "directory/public_search.html", context)
