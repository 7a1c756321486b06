from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    """Patient portal home."""
    raise Http404("Not available yet.")
