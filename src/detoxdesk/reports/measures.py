"""The quality measures: one registry of keys, labels and written definitions.

The report page, ``docs/measures.md``, the ``quality_report`` command and the tests all read this
list; ``render_markdown`` writes the document (a test keeps the file equal to it).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNT = "count"
PERCENT = "percent"
HOURS = "hours"
DAYS = "days"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # COUNT: value is the numerator; PERCENT: 100 * numerator / denominator
    numerator: str
    denominator: str
    exclusions: str
    counted_at: str
    drill_down: bool = True


# Measure windows that are part of a measure's own definition (the question payers and
# accreditors ask), not clinical thresholds: readmission "within 30 days", follow-up "at 7 and 30
# days". The warm hand-off window is clinical and read from knowledge (aftercare.toml).
READMISSION_WINDOW_DAYS = 30
FOLLOW_UP_MEASURE_DAYS = (7, 30)

_DISCHARGE_DENOMINATOR = "All signed discharges whose episode ended in the range."
_SIGNED_ONLY = "Discharges still being prepared (not signed) are not counted."


def _discharge_kind(key: str, kind: str, label: str) -> Measure:
    return Measure(
        key=key,
        label=label,
        unit=COUNT,
        numerator=f"Signed discharges of kind \u201c{kind}\u201d whose episode ended in the range.",
        denominator=_DISCHARGE_DENOMINATOR
        + " The value is the count; the share is shown beside it.",
        exclusions=_SIGNED_ONLY,
        counted_at="The day the episode was discharged (when the discharge was signed).",
    )


MEASURES: tuple[Measure, ...] = (
    Measure(
        key="admissions",
        label="Admissions",
        unit=COUNT,
        numerator="Episodes admitted in the range (inpatient or outpatient).",
        denominator="None: a count.",
        exclusions="Evaluations and inquiries that never became an episode.",
        counted_at="The admission time of the episode.",
    ),
    _discharge_kind("discharges_completed", "completed", "Discharges: completed"),
    _discharge_kind(
        "discharges_ama", "against medical advice", "Discharges: against medical advice"
    ),
    _discharge_kind("discharges_transferred", "transferred", "Discharges: transferred"),
    _discharge_kind("discharges_administrative", "administrative", "Discharges: administrative"),
    Measure(
        key="moud_at_discharge",
        label="MOUD at discharge",
        unit=PERCENT,
        numerator="Discharges whose MOUD bundle item is done: a buprenorphine or extended-release "
        "naltrexone prescription or a bridge prescription (started or continued), or a methadone "
        "program referral (referred). Offered and declined is shown separately, not in the "
        "numerator.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY + " MOUD marked not applicable stays in the denominator.",
        counted_at="The day the episode was discharged.",
    ),
    Measure(
        key="moud_declined",
        label="MOUD offered and declined",
        unit=PERCENT,
        numerator="Discharges whose MOUD bundle item was offered and declined.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY,
        counted_at="The day the episode was discharged.",
    ),
    Measure(
        key="naloxone_at_discharge",
        label="Naloxone at discharge",
        unit=PERCENT,
        numerator="Discharges whose naloxone bundle item is done (dispensed or prescribed; the "
        "split is shown beside it). Declined is shown separately, not in the numerator.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY,
        counted_at="The day the episode was discharged.",
    ),
    Measure(
        key="naloxone_declined",
        label="Naloxone declined",
        unit=PERCENT,
        numerator="Discharges whose naloxone bundle item was declined.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY,
        counted_at="The day the episode was discharged.",
    ),
    Measure(
        key="warm_handoff_72h",
        label="Warm hand-off within the window",
        unit=PERCENT,
        numerator="Discharges with a warm hand-off appointment booked for no later than the warm "
        "hand-off window after discharge (the window is clinical knowledge: aftercare.toml "
        "[warm_handoff], source nida-ed-2018). Detox Desk records the appointment, not whether "
        "the patient attended it.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY,
        counted_at="The day the episode was discharged.",
    ),
    Measure(
        key="followup_7d_reached",
        label="Follow-up reached at 7 days",
        unit=PERCENT,
        numerator="Day-7 follow-ups due in the range that were recorded with the patient reached.",
        denominator="Day-7 follow-ups due in the range that were recorded, or whose due day has "
        "passed without a record (overdue).",
        exclusions="A follow-up that is due but not yet overdue (due today or later, not yet "
        "recorded) is left out of both until it is recorded or its due day has passed.",
        counted_at="The follow-up's due day.",
    ),
    Measure(
        key="followup_30d_reached",
        label="Follow-up reached at 30 days",
        unit=PERCENT,
        numerator="Day-30 follow-ups due in the range that were recorded with the patient reached.",
        denominator="Day-30 follow-ups due in the range that were recorded, or whose due day has "
        "passed without a record (overdue).",
        exclusions="A follow-up that is due but not yet overdue is left out of both until it is "
        "recorded or its due day has passed.",
        counted_at="The follow-up's due day.",
    ),
    Measure(
        key="readmission_30d",
        label="Readmission within 30 days",
        unit=PERCENT,
        numerator="Discharges after which the same patient was admitted again (any facility of "
        "the program) no later than 30 days after the discharge time; day 30 counts, day 31 "
        "does not.",
        denominator=_DISCHARGE_DENOMINATOR,
        exclusions=_SIGNED_ONLY,
        counted_at="The day of the discharge (not of the readmission).",
    ),
    Measure(
        key="assessments_on_time",
        label="Assessments on time",
        unit=PERCENT,
        numerator="Withdrawal assessments performed no later than the episode's assessment "
        "interval (or the program's) after the previous assessment of the same episode.",
        denominator="Withdrawal assessments performed in the range that had a previous "
        "assessment in the same episode and an interval set.",
        exclusions="The first assessment of an episode (nothing was scheduled before it); "
        "episodes of a program with no interval.",
        counted_at="The time the assessment was performed.",
    ),
    Measure(
        key="length_of_stay_median",
        label="Length of stay, median (IQR) in days",
        unit=DAYS,
        numerator="The median of admission-to-discharge time of episodes discharged in the "
        "range, in days; the interquartile range (25th to 75th percentile, nearest rank) is "
        "shown beside it.",
        denominator="Episodes discharged in the range.",
        exclusions="Episodes still active.",
        counted_at="The day the episode was discharged.",
        drill_down=False,
    ),
    Measure(
        key="inquiry_to_admission_hours",
        label="Inquiry to admission, median hours",
        unit=HOURS,
        numerator="The median time from an inquiry being received to the admission of the "
        "patient it became (the first episode admitted after it), in hours.",
        denominator="Inquiries received in the range that became an admitted patient.",
        exclusions="Inquiries closed without admission (counted by reason below); inquiries "
        "still open.",
        counted_at="The time the inquiry was received.",
        drill_down=False,
    ),
    Measure(
        key="inquiries_closed",
        label="Inquiries closed without admission",
        unit=COUNT,
        numerator="Inquiries closed in the range, by the reason staff gave.",
        denominator="None: a count, split by reason.",
        exclusions="Inquiries that became a patient; duplicates are counted under their reason.",
        counted_at="The time the inquiry was closed.",
        drill_down=False,
    ),
)

MEASURES = (
    *MEASURES,
    Measure(
        key="bed_occupancy",
        label="Bed occupancy",
        unit=PERCENT,
        numerator="Bed-days occupied in the range: for every episode in a bed, the part of its "
        "stay that falls inside the range (to now for a stay still going on), in whole days; "
        "each unit's share is shown beside it.",
        denominator="Bed-days available: the unit's beds times the days of the range up to today.",
        exclusions="Outpatient episodes (no bed). Beds are counted as the unit has them now.",
        counted_at="Each day of the stay that falls inside the range.",
        drill_down=False,
    ),
    Measure(
        key="discrepancies_opened",
        label="Controlled-substance discrepancies opened",
        unit=COUNT,
        numerator="Count discrepancies found by a controlled-substance count in the range.",
        denominator="None: a count.",
        exclusions="Counts that matched the ledger.",
        counted_at="The time the discrepancy was opened.",
        drill_down=False,
    ),
    Measure(
        key="discrepancies_resolved",
        label="Controlled-substance discrepancies resolved",
        unit=COUNT,
        numerator="Count discrepancies a director resolved in the range (whenever opened).",
        denominator="None: a count; still open at the end of the range is shown beside it.",
        exclusions="None.",
        counted_at="The time the discrepancy was resolved.",
        drill_down=False,
    ),
)

BY_KEY: dict[str, Measure] = {m.key: m for m in MEASURES}


def render_markdown() -> str:
    lines = [
        "# Quality measures",
        "",
        "Each measure of the program quality report (`/reports/` and `manage.py quality_report`)",
        "is defined here. This file is written from `src/detoxdesk/reports/measures.py`",
        "(`python3 -m detoxdesk.reports.measures > docs/measures.md`); a test keeps the two equal.",
        "Every measure is counted per facility (or all facilities the reader may see), over the",
        "chosen date range (whole days in the program's time zone) and by month.",
        "",
    ]
    for m in MEASURES:
        lines += [
            f"## {m.label} (`{m.key}`)",
            "",
            f"- **Value:** {_unit_words(m.unit)}",
            f"- **Numerator:** {m.numerator}",
            f"- **Denominator:** {m.denominator}",
            f"- **Exclusions:** {m.exclusions}",
            f"- **When counted:** {m.counted_at}",
            "",
        ]
    return "\n".join(lines)


def _unit_words(unit: str) -> str:
    return {
        COUNT: "a count.",
        PERCENT: "a percentage (0\u2013100) of the denominator.",
        HOURS: "hours.",
        DAYS: "days.",
    }[unit]


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
