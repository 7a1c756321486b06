"""The report as JSON (the command's contract) and as CSV (the page's download and the command)."""

from __future__ import annotations

import csv
import io
from typing import Any

from detoxdesk.reports.queries import Report


def as_json(report: Report) -> dict[str, Any]:
    return {
        "from": report.range.start.isoformat(),
        "to": report.range.end.isoformat(),
        "measures": [m.as_dict() for m in report.measures],
    }


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "label", "period", "numerator", "denominator", "value"])
    for m in report.measures:
        t = m.total
        writer.writerow(
            [m.key, m.label, "total", _cell(t.numerator), _cell(t.denominator), _cell(t.value)]
        )
        for month in report.months:
            f = m.months.get(month)
            if f is not None:
                writer.writerow(
                    [
                        m.key,
                        m.label,
                        f"{month:%Y-%m}",
                        _cell(f.numerator),
                        _cell(f.denominator),
                        _cell(f.value),
                    ]
                )
    return out.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value)
