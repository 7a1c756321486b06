"""A small bar chart per measure, drawn as SVG by the template from these numbers (no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detoxdesk.reports.measures import PERCENT
from detoxdesk.reports.queries import MeasureResult

WIDTH = 240
HEIGHT = 60


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    month: date
    text: str


def bars(result: MeasureResult, months: list[date]) -> list[Bar]:
    if not months or not result.months:
        return []
    values = [(m, result.months[m].value) for m in months if m in result.months]
    top = 100.0 if result.unit == PERCENT else max((v or 0.0) for _, v in values) or 1.0
    step = WIDTH / len(months)
    out = []
    for i, month in enumerate(months):
        figure = result.months.get(month)
        if figure is None or figure.value is None:
            continue
        h = HEIGHT * figure.value / top
        suffix = " %" if result.unit == PERCENT else ""
        out.append(
            Bar(
                x=round(i * step + step * 0.1, 1),
                y=round(HEIGHT - h, 1),
                width=round(step * 0.8, 1),
                height=round(h, 1),
                month=month,
                text=f"{month:%b %Y}: {figure.value:g}{suffix}",
            )
        )
    return out
