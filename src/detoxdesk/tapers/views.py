from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def mme(request: HttpRequest) -> HttpResponse:
    """MME calculator."""
    raise Http404("Not available yet.")
