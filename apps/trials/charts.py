"""Geometry for the trial overview's bar charts and scatter plot (server-side SVG).

Line charts come from `apps.core.charts.build_line_chart`. Bars and the
scatter plot are drawn here: pure functions returning coordinates as strings
(percentages for x, so the SVG stretches without a viewBox, as the core
charts do). Every chart is shown with its data table; colour never carries
meaning on its own.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def _pc(value: float) -> str:
    return f"{value:.2f}"


def bar_rows(items: Sequence[tuple[str, int]], *, total: int | None = None) -> list[dict]:
    """Horizontal bars: label, value, share of `total` (or of the largest value).

    `width` is a percentage string for an SVG `<rect width>`.
    """
    top = total if total else max((v for _label, v in items), default=0)
    rows = []
    for label, value in items:
        share = value / top if top else 0.0
        rows.append(
            {
                "label": label,
                "value": value,
                "percent": round(100 * value / total) if total else None,
                "width": _pc(max(share * 100, 0.0)),
            }
        )
    return rows


CHANGE_BINS = (
    ("−10 or less", None, -10),
    ("−9 to −6", -9, -6),
    ("−5 to −1", -5, -1),
    ("0", 0, 0),
    ("1 to 5", 1, 5),
    ("6 or more", 6, None),
)


def change_distribution(changes: Sequence[int]) -> list[tuple[str, int]]:
    out = []
    for label, low, high in CHANGE_BINS:
        n = sum(1 for c in changes if (low is None or c >= low) and (high is None or c <= high))
        out.append((label, n))
    return out


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None with fewer than 3 pairs or no spread."""
    if len(xs) < 3:
        return None
    try:
        r = statistics.correlation(xs, ys)
    except statistics.StatisticsError:
        return None
    return None if math.isnan(r) else round(r, 2)


def scatter(
    points: Sequence[tuple[float, float]],
    *,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    height: int = 260,
) -> dict:
    """Points on fixed axes: x as a percentage of the width, y in pixels."""
    left, right, top, bottom = 10.0, 97.0, 12.0, float(height - 30)
    (x0, x1), (y0, y1) = x_range, y_range

    def x_of(x):
        return left + (min(max(x, x0), x1) - x0) / (x1 - x0) * (right - left)

    def y_of(y):
        return bottom - (min(max(y, y0), y1) - y0) / (y1 - y0) * (bottom - top)

    x_ticks = [x0 + i * (x1 - x0) / 4 for i in range(5)]
    y_ticks = [y0 + i * (y1 - y0) / 4 for i in range(5)]
    return {
        "height": height,
        "plot": {
            "left": _pc(left),
            "right": _pc(right),
            "top": f"{top:.1f}",
            "bottom": f"{bottom:.1f}",
            "x_label_y": f"{bottom + 18:.1f}",
            "tick_x": _pc(left - 1),
        },
        "points": [
            {"x": _pc(x_of(x)), "y": f"{y_of(y):.1f}", "x_value": x, "y_value": y}
            for x, y in points
        ],
        "x_ticks": [{"x": _pc(x_of(v)), "label": f"{v:g}"} for v in x_ticks],
        "y_ticks": [
            {"y": f"{y_of(v):.1f}", "label_y": f"{y_of(v) + 4:.1f}", "label": f"{v:g}"}
            for v in y_ticks
        ],
        "zero_y": f"{y_of(0):.1f}" if y0 < 0 < y1 else None,
    }
