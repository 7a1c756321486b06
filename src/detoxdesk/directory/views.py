from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def resource_list(request: HttpRequest) -> HttpResponse:
    """Staff search of the resource directory."""
    raise Http404("Not available yet.")


def public_search(request: HttpRequest) -> HttpResponse:
    """The public search page for families."""
    raise Http404("Not available yet.")
