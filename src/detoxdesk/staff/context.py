from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from detoxdesk.staff.emergency import grants_in_use


def emergency_banner(request: HttpRequest) -> dict[str, Any]:
    """The emergency grants that opened a record on this page, for the banner in the frame.

    Reads only what the access helpers already loaded in this request: no query of its own.
    """
    return {"emergency_grants": grants_in_use(request.user)}
