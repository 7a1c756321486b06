"""Trend charts drawn on the server as SVG: they work without JavaScript, under a strict CSP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from detoxdesk.clinical import scales
from detoxdesk.lib.dates import shown

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28


@dataclass(frozen=True)
class Point:
    """One plotted score. The chart names its times in the summary and on the ticks, so a point
    carries no label of its own (formatting one per point took a third of a long stay's trend)."""

    x: float
    y: float
    total: int


@dataclass(frozen=True)
class BandLine:
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    scale: scales.Scale
    points: tuple[Point, ...]
    band_lines: tuple[BandLine, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    summary: str = ""

    @property
    def polyline(self) -> str:
        """One line through every point; a lone point is drawn as a line of no length (a dot)."""
        points = self.points * 2 if len(self.points) == 1 else self.points
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def axis_max_y(self) -> int:
        return TOP


def trend(
    scale: scales.Scale,
    series: Sequence[tuple[datetime, int]],
    start: datetime,
    end: datetime,
    summary: str = "",
) -> Chart:
    """Place each (time, total) between ``start`` and ``end``, 0 and the scale's maximum."""
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_total = scale.max_total  # summed over the items: once, not once per point

    def x_of(when: datetime) -> float:
        return LEFT + plot_w * (when - start).total_seconds() / span

    def y_of(total: float) -> float:
        return TOP + plot_h * (1 - total / top_total)

    points = tuple(Point(x_of(at), y_of(total), total) for at, total in sorted(series))
    lines = tuple(
        BandLine(y_of(band.low), f"{band.label} ≥ {band.low}")
        for band in scale.bands
        if band.low > 0
    )
    days = max(1, int(span // 86400))
    step = max(1, days // 7)
    ticks = tuple(
        Tick(
            x_of(start + (end - start) * i / days),
            shown(start + (end - start) * i / days, "SHORT_DATE_FORMAT"),
        )
        for i in range(0, days + 1, step)
    )
    return Chart(scale, points, lines, ticks, summary=summary)
