"""The server-drawn SVG chart of a plan's daily doses (no script, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from detoxdesk.lib.dates import shown
from detoxdesk.tapers.queries import CalendarDay

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: CalendarDay
    css: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    max_dose: Decimal
    unit: str
    plot_bottom: int
    plot_left: int
    plot_right: int
    top: int
    labels: tuple[tuple[float, str], ...]

    @property
    def description(self) -> str:
        listed = ", ".join(
            f"{shown(b.day.date, 'SHORT_DATE_FORMAT')} {b.day.daily_dose:g}" for b in self.bars
        )
        return f"Daily dose in {self.unit} by day: {listed}."


def _css(day: CalendarDay, flagged: CalendarDay | None) -> str:
    classes = ["bar"]
    if day.held:
        classes.append("held")
    if day.shifted:
        classes.append("shifted")
    if flagged is not None and day.date == flagged.date:
        classes.append("flagged")
    return " ".join(classes)


def schedule_chart(days: list[CalendarDay], flagged: CalendarDay | None = None) -> Chart | None:
    """One bar per day, its height the daily dose; held days and the flagged step marked."""
    if not days:
        return None
    top = max(d.daily_dose for d in days) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(days)
    bars = []
    for i, day in enumerate(days):
        h = float(day.daily_dose / top) * plot_h
        bars.append(
            Bar(LEFT + i * step + 1, TOP + plot_h - h, max(step - 2, 1), h, day, _css(day, flagged))
        )
    every = max(1, len(days) // 8)
    labels = tuple(
        (LEFT + i * step + step / 2, shown(d.date, "SHORT_DATE_FORMAT"))
        for i, d in enumerate(days)
        if i % every == 0
    )
    return Chart(
        WIDTH,
        HEIGHT,
        tuple(bars),
        top,
        days[0].unit,
        TOP + plot_h,
        LEFT,
        WIDTH - RIGHT,
        TOP,
        labels,
    )
