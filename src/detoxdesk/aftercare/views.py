from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def follow_ups(request: HttpRequest) -> HttpResponse:
    """Follow-ups."""
    raise Http404("Not available yet.")
