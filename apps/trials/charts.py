"""Geometry for the trial overview's bar charts (server-side SVG), and Pearson's r.

Line charts and the scatter plot come from `apps.core.charts`. Bars are drawn
here: pure functions returning coordinates as strings (percentages for x, so
the SVG stretches without a viewBox, as the core charts do). Every chart is
shown with its data table; colour never carries meaning on its own.
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
