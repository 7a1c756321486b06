"""The evaluation's stored answers, and how they become the clinical core's inputs.

Answers are a JSON object of plain values (datetimes as ISO-8601 strings). Tri-state questions
hold true, false or null (not assessed); the placement engine treats null as not reassuring. The
clinician's ratings hold a whole number on the engine's risk scale, or null (not assessed).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from detoxdesk.clinical import alcohol, course, placement, placement_input

if TYPE_CHECKING:
    from detoxdesk.intake.models import Inquiry

# How many substance rows the form offers (a page-layout choice, not a clinical one).
SUBSTANCE_ROWS = 5
SUBSTANCE_ROW_KEYS = ("name", "route", "amount", "frequency", "daily_use", "last_use")

# The PAWSS items the evaluation asks in its own section (SPEC A6.1); the other two (seizures and
# delirium tremens ever) are its withdrawal-history questions, asked once.
PAWSS_ASKED = tuple(key for key in alcohol.PAWSS_ITEMS if key not in alcohol.HISTORY_ITEMS)
TRI_STATE = (
    *PAWSS_ASKED,
    "fentanyl_exposure",
    "withdrawal_seizures",
    "delirium_tremens",
    "overdose_past_year",
    "pregnant",
    "unstable_medical_condition",
    "psychosis",
    "stable_housing",
    "supportive_person_at_home",
)
TEXT = (
    "liver",
    "cardiac",
    "infections",
    "other_medical",
    "psychiatric_history",
    "transport",
    "prior_treatment",
    "moud_experience",
    "preferences",
)
NUMBERS = ("current_cows", "current_ciwa_ar", "qtc_ms")
# diagnosis_code: the ICD-10-CM code the clinician records (clinical.coding, SPEC.md 14.2).
CHOICES = ("suicidal_ideation", "requested_setting", "course_opioid_class", "diagnosis_code")
RATINGS = ("readiness_rating",)
# Set (true) when the pregnancy question was not asked because the sex at birth is male; the
# answer "pregnant" is then stored as false so that placement does not count it as not assessed.
PREGNANCY_NOT_ASKED = "pregnancy_not_asked"


def substance_rows(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The substance rows that name a substance."""
    return [row for row in answers.get("substances", []) if row.get("name")]


def from_inquiry(inquiry: Inquiry) -> dict[str, Any]:
    """A draft's first answers: the substances the inquiry named, with its last-use day unknown."""
    known = [name for name in inquiry.substances if name in placement_input.SUBSTANCE_NAMES]
    return {"substances": [{"name": name} for name in known]}


def when(value: object) -> datetime | None:
    """A stored ISO-8601 time, or None."""
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def sent_substance_rows(answers: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The substance rows sent to the placement engine, in its order (its ``substances[i]``).

    None stands for the fentanyl added for "fentanyl exposure: yes" when no row names fentanyl:
    exposure through a contaminated supply counts as fentanyl use for the rules.
    """
    rows: list[dict[str, Any] | None] = list(substance_rows(answers))
    named = {row["name"] for row in substance_rows(answers)}
    if answers.get("fentanyl_exposure") is True and "fentanyl" not in named:
        rows.append(None)
    return rows


def supply_daily_use(answers: dict[str, Any]) -> bool | None:
    """Whether the fentanyl of "fentanyl exposure: yes" is taken daily, or None if not known.

    That fentanyl comes in the opioids the person uses, so it is taken as often as they are:
    daily when an opioid row is used daily, not daily when every opioid row is known not to be.
    """
    opioids = [row for row in substance_rows(answers) if row["name"] in placement.OPIOIDS]
    if any(row.get("daily_use") is True for row in opioids):
        return True
    if opioids and all(row.get("daily_use") is False for row in opioids):
        return False
    return None


def _payload_substances(answers: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    for row in sent_substance_rows(answers):
        if row is None:
            daily = supply_daily_use(answers)
            sent.append({"name": "fentanyl", "route": None, "daily_use": daily})
            continue
        last = when(row.get("last_use"))
        sent.append(
            {
                "name": row["name"],
                "route": row.get("route") or None,
                "daily_use": row.get("daily_use"),
                "hours_since_last_use": None
                if last is None
                else max((now - last) / timedelta(hours=1), 0.0),
            }
        )
    return sent


def last_drink(answers: dict[str, Any]) -> tuple[bool, datetime | None]:
    """Whether a substance row names alcohol, and its latest known last use (None if none)."""
    rows = [row for row in substance_rows(answers) if row["name"] == "alcohol"]
    uses = [used for used in (when(row.get("last_use")) for row in rows) if used is not None]
    return bool(rows), max(uses, default=None)


def pawss_threshold(
    answers: dict[str, Any], now: datetime, *, alcohol_positive: bool
) -> bool | None:
    """The PAWSS threshold question from the answers and ``alcohol_positive`` (a positive breath
    or blood alcohol in the window, from the labs): True, False, or None when alcohol is named
    with no known last drink (asked, and scored as if met: unknown is not reassuring)."""
    named, last = last_drink(answers)
    return alcohol.threshold_met(named, last, alcohol_positive, now)


def pawss_payload(answers: dict[str, Any], threshold: bool | None) -> dict[str, Any] | None:
    """The ``detoxdesk calc pawss`` input, or None when PAWSS is not asked (threshold not met)."""
    if threshold is False:
        return None
    items = {key: answers.get(key) for key in PAWSS_ASKED}
    items.update({item: answers.get(asked) for item, asked in alcohol.HISTORY_ITEMS.items()})
    return {"threshold_met": True, "items": {key: items[key] for key in alcohol.PAWSS_ITEMS}}


def placement_payload(
    answers: dict[str, Any], now: datetime, *, alcohol_positive: bool = False
) -> dict[str, Any]:
    """The ``detoxdesk calc placement`` input for these answers at ``now``.

    ``alcohol_positive``: a positive breath or blood alcohol within the PAWSS window (labs).
    """
    threshold = pawss_threshold(answers, now, alcohol_positive=alcohol_positive)
    payload: dict[str, Any] = {
        "substances": _payload_substances(answers, now),
        "current_cows": answers.get("current_cows"),
        "current_ciwa_ar": answers.get("current_ciwa_ar"),
        "requested_setting": answers.get("requested_setting") or None,
    }
    for section, items in placement_input.SECTIONS.items():
        payload[section] = {item: answers.get(item) for item in items}
    payload["psychiatric"]["suicidal_ideation"] = answers.get("suicidal_ideation") or None
    payload["readiness"] = {"rating": answers.get("readiness_rating")}
    payload["pawss"] = pawss_payload(answers, threshold)
    return payload


def completeness_problems(answers: dict[str, Any]) -> dict[str, str]:
    """What must be there before the evaluation can be completed."""
    if not substance_rows(answers) and answers.get("fentanyl_exposure") is not True:
        return {"substance_1_name": "List at least one substance before completing."}
    return {}


SUBSTANCE_PATH = re.compile(r"^substances\[(\d+)\]\.(\w+)$")
# Calculator paths whose last part is not the form field's name.
FORM_FIELD_OF_PATH = {
    "readiness.rating": "readiness_rating",
    **{f"pawss.items.{item}": asked for item, asked in alcohol.HISTORY_ITEMS.items()},
}


def form_fields(problems: dict[str, str]) -> dict[str, str]:
    """The calculator's field paths as the evaluation form's field names."""
    named: dict[str, str] = {}
    for path, message in problems.items():
        row = SUBSTANCE_PATH.match(path)
        if path in FORM_FIELD_OF_PATH:
            named[FORM_FIELD_OF_PATH[path]] = message
        elif row:
            key = row.group(2) if row.group(2) != "hours_since_last_use" else "last_use"
            named[f"substance_{int(row.group(1)) + 1}_{key}"] = message
        else:
            named[path.rsplit(".", 1)[-1]] = message
    return named


def course_of(answers: dict[str, Any], now: datetime) -> course.CourseResult | None:
    """The expected withdrawal course: the chosen (or derived) class from the last opioid use.

    None when no opioid with a known last use was recorded, or the last use is after ``now``.
    """
    rows = [row for row in substance_rows(answers) if row["name"] in placement.OPIOIDS]
    names = [row["name"] for row in rows]
    if answers.get("fentanyl_exposure") is True:
        names.append("fentanyl")
    opioid_class = answers.get("course_opioid_class") or course.class_for_substances(names)
    uses = [used for used in (when(row.get("last_use")) for row in rows) if used is not None]
    if opioid_class is None or not uses or max(uses) > now:
        return None
    return course.withdrawal_course(opioid_class, max(uses), now)
