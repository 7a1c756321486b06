from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def queue(request: HttpRequest) -> HttpResponse:
    """Intake queue."""
    raise Http404("Not available yet.")
