"""Shows times in the time zone of the signed-in user's program."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from detoxdesk.patients.models import Program

Handler = Callable[[HttpRequest], HttpResponse]


class ProgramTimezoneMiddleware:
    """Shows times in the time zone of the signed-in user's program."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = _program_timezone(request)
        if tz_name:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _program_timezone(request: HttpRequest) -> str | None:
    if not request.user.is_authenticated:
        return None
    cached = request.session.get("program_tz")
    if cached:
        return str(cached)
    program = Program.objects.filter(facilities__memberships__user=request.user).first()
    if program is None:
        return None
    request.session["program_tz"] = program.timezone
    return program.timezone
