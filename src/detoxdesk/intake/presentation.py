"""What the evaluation pages and the chart panel show: placement, course timeline, answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.clinical import course, knowledge
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.intake import evaluation_data

# Drawing sizes of the course timeline (SVG user units; layout, not clinical values).
WIDTH = 640
BAR_TOP = 28
BAR_HEIGHT = 26
LEFT = 8
RIGHT = 632

PHASE_NAMES = {
    course.BEFORE_ONSET: "Before onset",
    course.ONSET: "Onset window",
    course.ACUTE: "Acute phase",
    course.ACUTE_ENDING: "Acute phase may end",
    course.AFTER_ACUTE: "After the acute phase",
}


def _source_title(key: str) -> str:
    try:
        return knowledge.source(key).title
    except Exception:  # noqa: BLE001 - an unknown key is shown as the key itself
        return key


def placement_view(result: dict[str, Any]) -> dict[str, Any] | None:
    """The stored placement output with its sources named, or None before completion."""
    if not result:
        return None
    return {
        **result,
        "source_titles": [(key, _source_title(key)) for key in result.get("sources", [])],
    }


def _x(when: datetime, start: datetime, span: timedelta) -> float:
    return round(LEFT + (RIGHT - LEFT) * ((when - start) / span), 1)


def _stretches(found: course.CourseResult, span: timedelta) -> list[dict[str, Any]]:
    end_of_drawing = found.last_use + span
    drawn = []
    for stretch in found.timeline:
        end = stretch.end or end_of_drawing
        x1, x2 = _x(stretch.start, found.last_use, span), _x(end, found.last_use, span)
        drawn.append(
            {
                "phase": stretch.phase,
                "name": PHASE_NAMES[stretch.phase],
                "x": x1,
                "width": round(max(x2 - x1, 0.0), 1),
                "start": stretch.start,
                "end": stretch.end,
                "current": stretch.phase == found.phase,
            }
        )
    return drawn


def course_view(answers: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The expected course at ``now`` for drawing: stretches, the now marker, the source."""
    try:
        found = evaluation_data.course_of(answers, now)
    except InvalidInput:
        return None
    if found is None:
        return None
    view: dict[str, Any] = {
        "result": found,
        "label": found.course.label,
        "phase_label": course.PHASE_LABELS[found.phase],
        "note": found.course.note,
        "hours": round(found.hours_since_last_use, 1),
        "source": _source_title(found.course.source),
        "source_key": found.course.source,
        "last_use": timezone.localtime(found.last_use),
        "width": WIDTH,
        "bar_top": BAR_TOP,
        "bar_height": BAR_HEIGHT,
        "stretches": [],
    }
    if found.timeline:
        last_end = found.timeline[-2].end or now
        span = max(last_end - found.last_use, now - found.last_use) * 1.15
        view["stretches"] = _stretches(found, span)
        view["now_x"] = _x(now, found.last_use, span)
    return view


TRI_WORDS = {True: "Yes", False: "No", None: "Not assessed"}


def substances_view(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The substance rows with their last use as a local time (None if not known)."""
    return [
        {**row, "last_use": timezone.localtime(evaluation_data.when(row.get("last_use")))}
        if row.get("last_use")
        else {**row, "last_use": None}
        for row in evaluation_data.substance_rows(answers)
    ]


def answers_view(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """The non-substance answers as label and text, for the read-only evaluation page."""
    from detoxdesk.intake.forms import EvaluationForm

    form = EvaluationForm(answers=answers)
    shown = []
    for _title, names in EvaluationForm.SECTIONS:
        for name in names:
            value = answers.get(name)
            if name in evaluation_data.TRI_STATE:
                text = TRI_WORDS.get(value, "Not assessed")
            elif value in (None, ""):
                text = "—"
            else:
                choices = dict(getattr(form.fields[name], "choices", []))
                text = str(choices.get(value, value))
            shown.append((str(form.fields[name].label), text))
    return shown
