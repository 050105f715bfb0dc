"""Geometry for the server-rendered SVG charts (DESIGN.md section 4): the one implementation.

Django templates cannot do arithmetic, so views call these pure functions and
pass the result to ``templates/_components/line_chart.html`` (as ``chart``) or
``templates/_components/sparkline.html`` (as ``spark``). Long daily series
thin their axis labels (``axis_label``) and values (``show_value``); on phones
alternate labels and values are hidden (``minor``, ``value_minor``).
``summary_sentence`` writes the first sentence of a caption.
``build_scatter_chart`` places pairs of scores on two fixed axes (the trial
overview's alliance against PHQ-9 change).

Line chart coordinates
----------------------
Horizontal positions are **percentages of the chart width** (strings such as
``"37.50"``; the template appends ``%``) and vertical positions are **pixels**
from the top. The SVG has no ``viewBox``: it stretches to the width of its
container while text stays at its real font size, so labels are as readable
at 320 px as at 1280 px. SVG ``<path d>`` cannot take percentages, so the line
is returned as ``segments`` (one ``<line>`` per pair of neighbouring points);
a ``None`` value leaves a gap.

All coordinates are returned as strings formatted with a dot decimal
separator, so Django's number localisation can never turn ``12.5`` into
``12,5`` inside an SVG attribute. Apart from ``summary_sentence`` nothing
here holds user-facing words: labels are passed in already translated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

# Layout constants (percent of width for x, pixels for y).
_PLOT_LEFT = 9.0  # y-axis tick labels sit to the left of this
_PLOT_RIGHT_WITH_BANDS = 72.0  # band labels sit to the right of this
_PLOT_RIGHT = 97.0
_PLOT_TOP = 18
_X_LABEL_SPACE = 30
_BAND_LABEL_CHARS = 12  # wrap band labels at about this many characters
_BAND_LABEL_LINE_HEIGHT = 15
# Long series: above _ALL_AXIS_LABELS_UP_TO points only every k-th point gets
# an axis label (at most _MAX_AXIS_LABELS, counting back from the last), and
# above _ALL_VALUES_UP_TO values are written only at labelled or marked points.
_ALL_AXIS_LABELS_UP_TO = 10
_MAX_AXIS_LABELS = 7
_ALL_VALUES_UP_TO = 31
# Phones: above these counts, every other axis label is "minor" (hidden), and
# values are written only where a date is shown. The data table has them all.
_MINOR_LABELS_WHEN_MORE_THAN = 4
_MINOR_VALUES_WHEN_MORE_THAN = 8


def _pc(value: float) -> str:
    return f"{value:.2f}"


def _px(value: float) -> str:
    return f"{value:.1f}"


def _nice_step(span: float, max_ticks: int = 6) -> float:
    candidates = sorted(base * 10.0**power for power in range(-2, 7) for base in (1, 2, 2.5, 5))
    for step in candidates:
        if span / step <= max_ticks:
            return step
    return span


def _wrap(text: str, width: int = _BAND_LABEL_CHARS) -> list[str]:
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return slug or "chart"


def build_line_chart(
    *,
    title: str,
    summary: str,
    points: Sequence[Mapping[str, Any]],
    y_min: float,
    y_max: float,
    bands: Iterable[Mapping[str, Any]] = (),
    baseline: float | None = None,
    markers: Iterable[Mapping[str, Any]] = (),
    width: int = 640,
    height: int = 240,
    chart_id: str | None = None,
    x_heading: str | None = None,
    value_heading: str | None = None,
    tick_values: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Return everything ``_components/line_chart.html`` needs.

    Arguments:
        title: what the chart shows ("PHQ-9 score by week"). Becomes the SVG's
            accessible name.
        summary: one plain sentence, the first sentence of the figcaption
            ("Your score went from 18 to 11 over 6 weeks.").
        points: in order, each ``{"x_label": "3 Mar", "value": 11 or None,
            "label": "Moderate"}``; ``label`` is optional and goes into the
            data table. ``None`` means no answer: a gap in the line.
        y_min, y_max: the fixed axis (0-27 for PHQ-9, 0-10 for mood). Never
            derived from the data. Values outside are clamped on the drawing
            (the table shows the real value).
        bands: optional ``{"from": 0, "to": 4, "label": "Minimal"}`` ranges,
            drawn as alternating background tints with their label written
            beside them. Integer bands that do not touch (0-4, 5-9) meet
            half-way (at 4.5).
        baseline: optional value drawn as a dashed line, explained in the
            notes under the chart ("Baseline: 18").
        markers: optional ``{"index": 2, "text": "Item 9 answered above 0"}``;
            the point gets a diamond marker and the text is listed under the
            chart and in the table.
        width: the widest the chart is drawn, in CSS pixels (it shrinks to fit
            narrower screens). height: drawing height in pixels.
        chart_id: unique id prefix on the page; default from the title.
        x_heading, value_heading: optional column headings for the data
            table (the template defaults to "Date" and "Score").
        tick_values: optional y-axis ticks (for example every whole number
            on the 1-10 mood scale); default: a "nice" step from y_min to y_max.

    Raises:
        ValueError: if ``y_max`` is not greater than ``y_min``, or a marker
            index is out of range.
    """
    if y_max <= y_min:
        raise ValueError("y_max must be greater than y_min")

    bands = list(bands)
    markers = list(markers)
    points = list(points)
    n = len(points)

    plot_left = _PLOT_LEFT
    plot_right = _PLOT_RIGHT_WITH_BANDS if bands else _PLOT_RIGHT
    top = float(_PLOT_TOP)
    bottom = float(height - _X_LABEL_SPACE)

    def y_of(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return bottom - (clamped - y_min) / (y_max - y_min) * (bottom - top)

    # --- y ticks -----------------------------------------------------------
    if tick_values is not None:
        tick_values = [v for v in tick_values if y_min <= v <= y_max]
    else:
        step = _nice_step(y_max - y_min)
        tick_values = []
        value = y_min
        while value <= y_max + 1e-9:
            tick_values.append(round(value, 6))
            value += step
        if tick_values[-1] != y_max:
            if y_max - tick_values[-1] < step / 2:
                tick_values.pop()
            tick_values.append(y_max)
    y_ticks = [
        {"value": _number(v), "y": _px(y_of(v)), "label_y": _px(y_of(v) + 4)} for v in tick_values
    ]

    # --- bands -------------------------------------------------------------
    band_rows = []
    for i, band in enumerate(bands):
        low = float(band["from"])
        high = float(band["to"])
        if i > 0:
            prev_high = float(bands[i - 1]["to"])
            low = (prev_high + low) / 2 if low > prev_high else low
        if i < len(bands) - 1:
            next_low = float(bands[i + 1]["from"])
            high = (high + next_low) / 2 if next_low > high else high
        low = max(low, y_min)
        high = min(high, y_max)
        if high <= low:
            continue
        y_top = y_of(high)
        y_bottom = y_of(low)
        lines = _wrap(band.get("label", ""))
        centre = (y_top + y_bottom) / 2
        first_baseline = centre - (len(lines) - 1) * _BAND_LABEL_LINE_HEIGHT / 2 + 4.5
        band_rows.append(
            {
                "label": band.get("label", ""),
                "from": band["from"],
                "to": band["to"],
                "y": _px(y_top),
                "height": _px(y_bottom - y_top),
                "tint": "a" if i % 2 == 0 else "b",
                "label_x": _pc(plot_right + 2),
                "lines": [
                    {"text": line, "y": _px(first_baseline + j * _BAND_LABEL_LINE_HEIGHT)}
                    for j, line in enumerate(lines)
                ],
            }
        )

    # --- points and line ---------------------------------------------------
    marker_by_index: dict[int, str] = {}
    for marker in markers:
        index = int(marker["index"])
        if not 0 <= index < n:
            raise ValueError(f"marker index {index} is out of range for {n} points")
        marker_by_index[index] = str(marker["text"])

    slot = (plot_right - plot_left) / n if n else 0.0
    label_step = 1 if n <= _ALL_AXIS_LABELS_UP_TO else math.ceil(n / _MAX_AXIS_LABELS)
    point_rows = []
    for i, point in enumerate(points):
        x = plot_left + slot * (i + 0.5)
        raw = point.get("value")
        has_value = raw is not None
        y = y_of(float(raw)) if raw is not None else None
        value_y = None
        if y is not None:
            value_y = y - 12 if y - 12 >= top - 4 else y + 24
        from_last = n - 1 - i
        labelled = from_last % label_step == 0
        # Every other labelled date is hidden on phones (the last never is).
        minor = n > _MINOR_LABELS_WHEN_MORE_THAN and (from_last // label_step) % 2 == 1
        marked = i in marker_by_index
        point_rows.append(
            {
                "index": i,
                "x_label": point.get("x_label", ""),
                "value": raw,
                "label": point.get("label", ""),
                "has_value": has_value,
                "x": _pc(x),
                "y": _px(y) if y is not None else None,
                "value_y": _px(value_y) if value_y is not None else None,
                "marked": marked,
                "marker_text": marker_by_index.get(i, ""),
                # Text under the axis ("" when thinned out on every screen).
                "axis_label": point.get("x_label", "") if labelled else "",
                # Whether the value is written beside the point at all.
                "show_value": has_value and (n <= _ALL_VALUES_UP_TO or labelled or marked),
                # Hidden on phones only (CSS class --minor).
                "minor": minor,
                "value_minor": n > _MINOR_VALUES_WHEN_MORE_THAN
                and not (labelled and not minor)
                and not marked,
            }
        )

    segments = []
    for a, b in zip(point_rows, point_rows[1:], strict=False):
        if a["has_value"] and b["has_value"]:
            segments.append({"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]})

    baseline_row = None
    if baseline is not None:
        # Labelled in the notes list under the chart, not inside the plot,
        # where a label would collide with points at narrow widths.
        baseline_row = {"value": _number(baseline), "y": _px(y_of(float(baseline)))}

    return {
        "id": chart_id or _slug(title),
        "title": title,
        "summary": summary,
        "y_min": _number(y_min),
        "y_max": _number(y_max),
        "width": width,
        "height": height,
        "x_heading": x_heading,
        "value_heading": value_heading,
        "plot": {
            "left": _pc(plot_left),
            "right": _pc(plot_right),
            "width": _pc(plot_right - plot_left),
            "top": _px(top),
            "bottom": _px(bottom),
            "height": _px(bottom - top),
            "tick_label_x": _pc(plot_left - 1.5),
            "x_label_y": _px(bottom + 20),
        },
        "bands": band_rows,
        "y_ticks": y_ticks,
        "points": point_rows,
        "segments": segments,
        "baseline": baseline_row,
        "markers": [
            {"index": i, "text": text, "x_label": points[i].get("x_label", "")}
            for i, text in sorted(marker_by_index.items())
        ],
        "has_labels": any(p.get("label") for p in points) or bool(marker_by_index),
    }


def build_sparkline(
    values: Sequence[float | None],
    *,
    y_min: float,
    y_max: float,
    width: int = 80,
    height: int = 20,
    label: str = "",
) -> dict[str, Any]:
    """Return everything ``_components/sparkline.html`` needs.

    ``values`` are in time order; ``None`` leaves a gap. ``y_min``/``y_max``
    fix the scale (never derived from the data). ``label`` names the series
    ("PHQ-9, last 6 weeks"); the template appends the values to it for the
    accessible name. Raises ValueError if ``y_max`` is not above ``y_min``.
    """
    if y_max <= y_min:
        raise ValueError("y_max must be greater than y_min")
    values = list(values)
    pad = 3.0
    n = len(values)

    def x_of(i: int) -> float:
        if n == 1:
            return width / 2
        return pad + (width - 2 * pad) * i / (n - 1)

    def y_of(v: float) -> float:
        clamped = min(max(float(v), y_min), y_max)
        return pad + (height - 2 * pad) * (1 - (clamped - y_min) / (y_max - y_min))

    parts: list[str] = []
    pen_down = False
    last = None
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        x, y = x_of(i), y_of(v)
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
        last = (x, y, v)
    # A lone point (no neighbours) still needs a visible mark: the dot.
    return {
        "path_d": " ".join(parts),
        "width": width,
        "height": height,
        "label": label,
        "values": values,
        "last_value": last[2] if last else None,
        "last_x": f"{last[0]:.1f}" if last else None,
        "last_y": f"{last[1]:.1f}" if last else None,
    }


def build_scatter_chart(
    pairs: Iterable[tuple[float, float]],
    *,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    x_bands: Sequence[tuple[float, float, str]] = (),
    height: int = 300,
) -> dict[str, Any]:
    """Return the geometry of a scatter plot on fixed axes (never scaled to the data).

    ``pairs`` are (x, y) values. Identical pairs are drawn as one circle whose
    area grows with the number of pairs (``n`` on each point; the data table
    lists every distinct pair with its count), so a large trial gives a bounded
    number of circles. Values outside the ranges are clamped to the edge; the
    real values stay in ``x_value``/``y_value``. ``x_bands`` are (from, to,
    label) stretches of the x-axis drawn as alternating tints with the label
    written above them (already translated). Raises ValueError for an empty
    range.
    """
    (x0, x1), (y0, y1) = x_range, y_range
    if x1 <= x0 or y1 <= y0:
        raise ValueError("each range must run from a lower to a higher value")
    left, right = _PLOT_LEFT + 3.0, _PLOT_RIGHT
    top, bottom = float(_PLOT_TOP + 8), float(height - _X_LABEL_SPACE - 14)

    # Values sit a little inside the axes, so a circle at the lowest x does not
    # cover the y-axis labels.
    x_left, x_right = left + 3.0, right - 2.0

    def x_of(x: float) -> float:
        return x_left + (min(max(float(x), x0), x1) - x0) / (x1 - x0) * (x_right - x_left)

    def y_of(y: float) -> float:
        return bottom - (min(max(float(y), y0), y1) - y0) / (y1 - y0) * (bottom - top)

    counts: dict[tuple[float, float], int] = {}
    for x, y in pairs:
        counts[(x, y)] = counts.get((x, y), 0) + 1
    points = [
        {
            "x": _pc(x_of(x)),
            "y": _px(y_of(y)),
            # Area, not radius, in proportion to the count; at most 16 px.
            "r": _px(min(16.0, 5.0 * math.sqrt(n))),
            "x_value": _number(x),
            "y_value": _number(y),
            "n": n,
        }
        for (x, y), n in sorted(counts.items())
    ]

    def edge(value: float) -> float:
        # The first and last band run to the plot's edges.
        if value <= x0:
            return left
        return right if value >= x1 else x_of(value)

    bands = [
        {
            "x": _pc(edge(a)),
            "width": _pc(edge(b) - edge(a)),
            "label_x": _pc((edge(a) + edge(b)) / 2),
            "label": label,
            "tint": "a" if i % 2 == 0 else "b",
        }
        for i, (a, b, label) in enumerate(x_bands)
    ]
    return {
        "height": height,
        "plot": {
            "left": _pc(left),
            "right": _pc(right),
            "width": _pc(right - left),
            "top": _px(top),
            "bottom": _px(bottom),
            "plot_height": _px(bottom - top),
            "band_label_y": _px(top + 14),
            "y_title_y": _px(top - 10),
            "x_label_y": _px(bottom + 18),
            "x_title_y": _px(bottom + 38),
            "tick_x": _pc(left - 1),
        },
        "points": points,
        "n": sum(counts.values()),
        "bands": bands,
        "x_ticks": [{"x": _pc(x_of(v)), "label": f"{_number(v)}"} for v in x_ticks],
        "y_ticks": [
            {"y": _px(y_of(v)), "label_y": _px(y_of(v) + 4), "label": f"{_number(v)}"}
            for v in y_ticks
        ],
        "zero_y": _px(y_of(0)) if y0 < 0 < y1 else None,
    }


def _number(value: float) -> int | float:
    """12.0 -> 12 so labels read "12", not "12.0"."""
    as_float = float(value)
    return int(as_float) if math.isclose(as_float, round(as_float)) else as_float


def summary_sentence(
    values: Sequence[float | None], *, subject: str, period: str, decimals: int = 0
) -> str:
    """The plain first sentence of a chart caption.

    "Your mood went from 4 to 7 over the last 4 weeks." `subject` and `period`
    come translated ("Your mood", "over the last 4 weeks"); gaps (None) are
    skipped, so the sentence compares the first and last values given.
    """
    present = [v for v in values if v is not None]

    def fmt(value: float) -> str:
        return f"{value:.{decimals}f}" if decimals else str(round(value))

    if not present:
        return _("No ratings yet %(period)s.") % {"period": period}
    first, last = fmt(present[0]), fmt(present[-1])
    if len(present) == 1:
        return _("%(subject)s was %(value)s %(period)s.") % {
            "subject": subject,
            "value": first,
            "period": period,
        }
    if first == last:
        return _("%(subject)s started and ended at %(value)s %(period)s.") % {
            "subject": subject,
            "value": first,
            "period": period,
        }
    return _("%(subject)s went from %(first)s to %(last)s %(period)s.") % {
        "subject": subject,
        "first": first,
        "last": last,
        "period": period,
    }


# Change chart layout: each row is a label line, then the track with its markers.
_CHANGE_LEFT = 4.0
_CHANGE_RIGHT = 96.0
_CHANGE_ROW = 50
_CHANGE_TOP = 6
_CHANGE_AXIS = 30


def build_change_chart(
    *,
    title: str,
    summary: str,
    rows: Sequence[Mapping[str, Any]],
    x_min: float,
    x_max: float,
    chart_id: str,
    tick_values: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Return everything ``_components/change_chart.html`` needs: one horizontal track per
    row, with a hollow circle at the first value, a filled square at the second and a
    line between them (a "dumbbell"), on a fixed scale.

    Arguments:
        title, summary: as for :func:`build_line_chart`.
        rows: in order, each ``{"label": "Bond, client's view", "first": 12 or None,
            "second": 15 or None, "text": "12 to 15"}``; ``text`` (already translated)
            is written after the label. A row with neither value is drawn empty.
        x_min, x_max: the fixed scale (4-20 for a WAI subscale). Never from the data;
            values outside are clamped on the drawing.
        chart_id: unique id prefix on the page.
        tick_values: optional axis ticks; default a "nice" step from x_min to x_max.

    Horizontal positions are percentages of the width (strings), vertical ones pixels,
    as in the line chart, so the drawing stretches to any width with real-size text.

    Raises:
        ValueError: if ``x_max`` is not greater than ``x_min``.
    """
    if x_max <= x_min:
        raise ValueError("x_max must be greater than x_min")

    def x_of(value: float) -> float:
        clamped = min(max(float(value), x_min), x_max)
        return _CHANGE_LEFT + (clamped - x_min) / (x_max - x_min) * (_CHANGE_RIGHT - _CHANGE_LEFT)

    if tick_values is None:
        step = _nice_step(x_max - x_min)
        ticks: list[float] = []
        value = float(x_min)
        while value <= x_max + 1e-9:
            ticks.append(round(value, 6))
            value += step
        if ticks[-1] != x_max:
            ticks.append(x_max)
    else:
        ticks = [v for v in tick_values if x_min <= v <= x_max]

    out_rows = []
    for i, row in enumerate(rows):
        top = _CHANGE_TOP + i * _CHANGE_ROW
        track_y = top + 32
        first, second = row.get("first"), row.get("second")
        out_rows.append(
            {
                "label": row.get("label", ""),
                "text": row.get("text", ""),
                "label_y": _px(top + 13),
                "y": _px(track_y),
                "square_y": _px(track_y - 6),
                "first": first,
                "second": second,
                "first_x": _pc(x_of(first)) if first is not None else None,
                "second_x": _pc(x_of(second)) if second is not None else None,
                "joined": first is not None and second is not None,
            }
        )
    bottom = _CHANGE_TOP + len(out_rows) * _CHANGE_ROW
    return {
        "id": chart_id,
        "title": title,
        "summary": summary,
        "x_min": _number(x_min),
        "x_max": _number(x_max),
        "height": bottom + _CHANGE_AXIS,
        "left": _pc(_CHANGE_LEFT),
        "right": _pc(_CHANGE_RIGHT),
        "bottom": _px(bottom),
        "label_x": _pc(_CHANGE_LEFT),
        "axis_label_y": _px(bottom + 20),
        "ticks": [{"value": _number(v), "x": _pc(x_of(v))} for v in ticks],
        "rows": out_rows,
    }
