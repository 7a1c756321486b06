"""Pages anyone can read without signing in: the front door of the program.

Nothing identifying goes into a URL or a log: the inquiry form posts to itself and the
confirmation page has a fixed address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from detoxdesk.clinical import course, knowledge
from detoxdesk.intake import actions
from detoxdesk.intake.forms import InquiryForm
from detoxdesk.lib import ratelimit
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients.models import Facility


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html")


def what_to_expect(request: HttpRequest) -> HttpResponse:
    return render(request, "public/what_to_expect.html", {"courses": course_rows()})


def medications(request: HttpRequest) -> HttpResponse:
    return render(request, "public/medications.html")


def after_detox(request: HttpRequest) -> HttpResponse:
    return render(request, "public/after_detox.html")


def course_rows() -> list[dict[str, Any]]:
    """The withdrawal-course ranges as the knowledge file holds them, with each source's title."""
    return [
        {
            "course": found,
            "source": knowledge.source(found.source).title,
        }
        for found in course.courses().values()
    ]


def _inquiry_window(request: HttpRequest) -> ratelimit.Window:
    return ratelimit.window(
        request,
        "inquiry",
        limit=settings.INQUIRY_RATE_LIMIT,
        seconds=settings.INQUIRY_RATE_WINDOW_SECONDS,
    )


def _too_many(request: HttpRequest, current: ratelimit.Window) -> HttpResponse:
    """The refusal keeps the crisis numbers: a person asking for help is never just turned away."""
    minutes = max(1, -(-current.retry_after // 60))
    response = render(request, "public/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(current.retry_after)
    return response


def _facility_for(chosen: Facility | None) -> Facility | None:
    if chosen is not None:
        return chosen
    first = Facility.objects.select_related("program").order_by("program_id", "name").first()
    if first is None:
        return None
    default = actions.settings_for(first.program).default_facility
    return default or first


@require_http_methods(["GET", "POST"])
def get_help(request: HttpRequest) -> HttpResponse:
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        # Only accepted inquiries count: a person correcting a typo is never turned away.
        current = _inquiry_window(request)
        if current.exhausted:
            return _too_many(request, current)
        if form.is_spam():
            ratelimit.count(current)  # an automated sender is told it was accepted, and counted
            return redirect("public:thanks")
        if form.is_valid():
            facility = _facility_for(form.cleaned_data.get("facility"))
            try:
                if facility is None:
                    raise ValidationError("We cannot take inquiries online yet: please call us.")
                actions.do_submit_inquiry(facility, values=form.values())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                ratelimit.count(current)
                request.session[URGENT_SESSION_KEY] = _urgent(form)
                return redirect("public:thanks")
    return render(request, "public/get_help.html", {"form": form, "urgent": _urgent(form)})


# The confirmation page's address stays fixed: whether a safety answer was "yes" is kept in the
# session for that one page, never in the URL.
URGENT_SESSION_KEY = "inquiry_urgent"


def _urgent(form: InquiryForm) -> bool:
    return form.data.get("overdose_now") == "yes" or form.data.get("thinking_of_suicide") == "yes"


def thanks(request: HttpRequest) -> HttpResponse:
    urgent = bool(request.session.pop(URGENT_SESSION_KEY, False))
    return render(request, "public/thanks.html", {"urgent": urgent})
