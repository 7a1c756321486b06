"""What the evaluation pages and the chart panel show: placement, course timeline, answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.clinical import alcohol, asam4, course, knowledge
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


def _lower_first(text: str) -> str:
    # Keep abbreviations such as "QTc" as they are.
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _not_assessed_words(path: str, answers: dict[str, Any], labels: dict[str, str]) -> str:
    """One of the engine's ``not_assessed`` input paths in the evaluation form's words."""
    row = evaluation_data.SUBSTANCE_PATH.match(path)
    if row is None:
        item = evaluation_data.FORM_FIELD_OF_PATH.get(path, path.rsplit(".", 1)[-1])
        return _lower_first(labels.get(item, item.replace("_", " ")))
    index, key = int(row.group(1)), row.group(2).replace("_", " ")
    sent = evaluation_data.sent_substance_rows(answers)
    if index >= len(sent):
        return f"substance {index + 1}: {key}"
    found = sent[index]
    if found is None:
        # Fentanyl exposure was answered yes; what is unknown is how often that fentanyl is taken.
        return (
            f"{key} of the fentanyl counted from the answer “fentanyl exposure: yes” (no opioid "
            "listed says how often it is used)"
        )
    return f"substance {index + 1} ({found['name'].replace('_', ' ')}): {key}"


def not_assessed_words(result: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """The items the placement counted as not assessed, in plain words, in the engine's order."""
    from detoxdesk.intake.forms import EvaluationForm

    labels = {name: str(field.label) for name, field in EvaluationForm().fields.items()}
    words = [_not_assessed_words(path, answers, labels) for path in result.get("not_assessed", [])]
    return list(dict.fromkeys(words))  # a history item PAWSS also reads is named once


def _plain_rationale(result: dict[str, Any], words: list[str]) -> list[str]:
    """The rationale with the engine's "Not assessed: <input paths>." opening in plain words.

    The stored output keeps the engine's paths (its JSON contract); only what is shown changes.
    """
    paths = result.get("not_assessed", [])
    lines = list(result.get("rationale", []))
    if not paths:
        return lines
    engine = f"Not assessed: {', '.join(paths)}."
    plain = f"Not assessed: {'; '.join(words)}."
    return [plain + line[len(engine) :] if line.startswith(engine) else line for line in lines]


def placement_view(
    result: dict[str, Any],
    answers: dict[str, Any],
    *,
    edition: asam4.Edition = "3",
    confirmed: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The stored placement output as shown, or None before completion.

    Its sources are named, and what was not assessed is said in the form's words rather than as
    the calculator's input paths. The 4th-edition level (``fourth``) comes from the program's
    ``confirmed`` mapping, else the shipped one marked unconfirmed; the dimension names follow
    ``edition``, the one the program shows first (SPEC A11).
    """
    if not result:
        return None
    names = asam4.dimension_names_for(edition)
    level = result.get("recommended_level")
    return {
        **result,
        "edition": edition,
        "fourth": asam4.fourth_level(level, confirmed) if level else None,
        "dimensions": [{**d, "name": names[d["dimension"]]} for d in result.get("dimensions", [])],
        "rationale": _plain_rationale(result, not_assessed_words(result, answers)),
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
            if name == "pregnant" and answers.get(evaluation_data.PREGNANCY_NOT_ASKED):
                text = "Not asked (sex at birth recorded as male)"
            elif name in evaluation_data.TRI_STATE:
                text = TRI_WORDS.get(value, "Not assessed")
            elif name in evaluation_data.RATINGS and value is None:
                text = "Not assessed"
            elif value in (None, ""):
                text = "—"
            else:
                choices = dict(getattr(form.fields[name], "choices", []))
                text = str(choices.get(value, value))
            shown.append((str(form.fields[name].label), text))
    return shown


def pawss_view(
    answers: dict[str, Any], stored: dict[str, Any], now: datetime, *, alcohol_positive: bool
) -> dict[str, Any]:
    """Whether PAWSS is asked and why, its stored result, the thiamine prompt, and whether the
    alcohol order set is proposed (the placement's ``alcohol_withdrawal_high_risk`` flag)."""
    named, last = evaluation_data.last_drink(answers)
    threshold, why = alcohol.pawss_prompt(named, last, alcohol_positive, now)
    return {
        "asked": threshold is not False,
        "why": why,
        "result": stored.get("pawss") if stored else None,
        "thiamine": alcohol.thiamine_prompt(threshold),
        "order_set_proposed": alcohol.HIGH_RISK_FLAG in (stored or {}).get("flags", []),
        "advice": alcohol.high_risk_placement().advice,
    }
