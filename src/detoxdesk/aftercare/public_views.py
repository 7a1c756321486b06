"""The public resource search: families find treatment, meetings and support near them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def search(request: HttpRequest) -> HttpResponse:
    raise Http404("Not available yet.")
