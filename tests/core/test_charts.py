"""The shared chart helpers: fixed axes, gaps, bands, and the plain summary sentence."""

import pytest

from apps.core.charts import (
    build_change_chart,
    build_line_chart,
    build_sparkline,
    summary_sentence,
)


def chart(values, **kwargs):
    defaults = {"title": "Mood", "summary": "Summary.", "y_min": 1, "y_max": 10}
    defaults.update(kwargs)
    return build_line_chart(
        points=[{"x_label": f"Day {i + 1}", "value": v} for i, v in enumerate(values)], **defaults
    )


def y(point):
    return float(point["y"])


def test_axis_is_fixed_whatever_the_data():
    low = chart([5, 5, 6])
    high = chart([1, 10, 2])
    # The same value sits at the same height on both charts: no auto-scaling.
    assert low["points"][0]["y"] == chart([5])["points"][0]["y"]
    assert [t["value"] for t in low["y_ticks"]] == [t["value"] for t in high["y_ticks"]]
    assert low["y_ticks"][0]["value"] == 1 and low["y_ticks"][-1]["value"] == 10
    # 10 is drawn at the top of the plot and 1 at the bottom.
    assert y(high["points"][1]) == float(high["plot"]["top"])
    assert y(high["points"][0]) == float(high["plot"]["bottom"])


def test_higher_values_are_drawn_higher_and_out_of_range_values_are_clamped():
    c = chart([2, 8, 14, -3])
    ys = [y(p) for p in c["points"]]
    assert ys[1] < ys[0]  # SVG y grows downwards
    assert ys[2] == float(c["plot"]["top"])
    assert ys[3] == float(c["plot"]["bottom"])
    # The real value is still what is written and listed.
    assert c["points"][2]["value"] == 14


def test_none_leaves_a_gap_in_the_line_but_keeps_its_row():
    c = chart([4, 5, None, 6, 7])
    assert len(c["segments"]) == 2  # 4-5 and 6-7; nothing crosses the gap
    assert [p["has_value"] for p in c["points"]] == [True, True, False, True, True]
    assert c["points"][2]["y"] is None
    assert c["points"][2]["x_label"] == "Day 3"  # the table still lists the day


def test_points_are_evenly_spaced_left_to_right():
    c = chart([1, 2, 3, 4])
    xs = [float(p["x"]) for p in c["points"]]
    steps = {round(b - a, 2) for a, b in zip(xs, xs[1:], strict=False)}
    assert xs == sorted(xs) and len(steps) == 1


def test_bands_are_rects_covering_their_range_with_text_labels():
    bands = [
        {"from": 0, "to": 4, "label": "Minimal"},
        {"from": 5, "to": 9, "label": "Mild"},
        {"from": 10, "to": 14, "label": "Moderate"},
        {"from": 15, "to": 19, "label": "Moderately severe"},
        {"from": 20, "to": 27, "label": "Severe"},
    ]
    c = chart([18, 11], y_min=0, y_max=27, bands=bands)
    rects = c["bands"]
    assert [b["label"] for b in rects] == [b["label"] for b in bands]
    # Stacked without gaps or overlaps from the bottom of the plot to the top.
    assert float(rects[0]["y"]) + float(rects[0]["height"]) == pytest.approx(
        float(c["plot"]["bottom"])
    )
    for lower, upper in zip(rects, rects[1:], strict=False):
        assert float(upper["y"]) + float(upper["height"]) == pytest.approx(
            float(lower["y"]), abs=0.15
        )
    assert float(rects[-1]["y"]) == pytest.approx(float(c["plot"]["top"]))
    # Tints alternate so neighbours differ; the label is text, not only colour.
    assert [b["tint"] for b in rects] == ["a", "b", "a", "b", "a"]
    assert rects[3]["lines"][0]["text"]


def test_marked_points_are_listed_as_text():
    c = chart([3, 4, 5], markers=[{"index": 1, "text": "Item 9 answered above 0"}])
    assert c["points"][1]["marked"] and not c["points"][0]["marked"]
    assert c["markers"] == [{"index": 1, "text": "Item 9 answered above 0", "x_label": "Day 2"}]
    with pytest.raises(ValueError):
        chart([3], markers=[{"index": 5, "text": "x"}])


def test_an_axis_upside_down_is_refused():
    with pytest.raises(ValueError):
        chart([1], y_min=10, y_max=1)


def test_long_series_label_every_kth_day_counting_back_from_today():
    c = chart([5] * 28)
    labelled = [i for i, p in enumerate(c["points"]) if p["axis_label"]]
    assert labelled[-1] == 27  # today is always labelled
    assert 4 <= len(labelled) <= 8
    assert all(p["x_label"] for p in c["points"])  # the table keeps every day
    short = chart([5] * 7)
    assert all(p["axis_label"] for p in short["points"])
    assert all(p["show_value"] for p in short["points"])


def test_summary_sentence_is_plain_and_skips_gaps():
    assert (
        summary_sentence([None, 4, 5, None, 7], subject="Your mood", period="over 4 weeks")
        == "Your mood went from 4 to 7 over 4 weeks."
    )
    assert (
        summary_sentence([18, 11], subject="Your score", period="over 6 weeks")
        == "Your score went from 18 to 11 over 6 weeks."
    )
    assert (
        summary_sentence([6, 3, 6], subject="Your mood", period="this week")
        == "Your mood started and ended at 6 this week."
    )
    assert (
        summary_sentence([None, 5], subject="Your mood", period="this week")
        == "Your mood was 5 this week."
    )
    assert summary_sentence([None], subject="Your mood", period="this week") == (
        "No ratings yet this week."
    )
    assert (
        summary_sentence([5.25, 6.0], subject="Your average", period="over 2 weeks", decimals=1)
        == "Your average went from 5.2 to 6.0 over 2 weeks."
    )


def test_sparkline_has_a_fixed_scale_gaps_and_the_latest_value():
    s = build_sparkline([0, None, 5, 10], y_min=0, y_max=10, width=80, height=20, label="Goal")
    assert s["path_d"].count("M") == 2  # the gap starts a new stroke
    assert s["last_value"] == 10
    assert float(s["last_y"]) == 3.0  # the top padding: 10 is the top of the scale
    empty = build_sparkline([], y_min=0, y_max=10)
    assert empty["last_value"] is None and empty["path_d"] == ""


def test_explicit_ticks_stay_inside_the_fixed_axis():
    c = chart([5], tick_values=range(0, 12))
    assert [t["value"] for t in c["y_ticks"]] == list(range(1, 11))


def test_scatter_axes_are_fixed_equal_pairs_are_grouped_and_values_clamped():
    from apps.core.charts import build_scatter_chart

    def scatter(pairs):
        return build_scatter_chart(
            pairs,
            x_range=(12, 60),
            y_range=(-27, 27),
            x_ticks=(12, 36, 60),
            y_ticks=(-27, 0, 27),
            x_bands=((12, 28.5, "low"), (28.5, 60, "not low")),
        )

    one = scatter([(40, -7)])
    many = scatter([(40, -7), (40, -7), (12, 27), (70, -30)])
    # The same pair sits at the same place whatever else is plotted.
    assert one["points"][0]["x"] == many["points"][1]["x"]
    assert one["points"][0]["y"] == many["points"][1]["y"]
    assert [(p["x_value"], p["y_value"], p["n"]) for p in many["points"]] == [
        (12, 27, 1),
        (40, -7, 2),
        (70, -30, 1),
    ]
    assert many["n"] == 4
    assert float(many["points"][1]["r"]) > float(one["points"][0]["r"])
    top_left, _, clamped = many["points"]
    # The lowest and highest values are drawn just inside the axes; beyond them, clamped.
    assert float(many["plot"]["left"]) < float(top_left["x"]) < float(many["x_ticks"][1]["x"])
    assert top_left["x"] == many["x_ticks"][0]["x"] and top_left["y"] == many["plot"]["top"]
    assert clamped["x"] == many["x_ticks"][-1]["x"] and clamped["y"] == many["plot"]["bottom"]
    assert float(clamped["x"]) < float(many["plot"]["right"])
    assert [b["label"] for b in many["bands"]] == ["low", "not low"]
    assert many["zero_y"] is not None
    with pytest.raises(ValueError):
        build_scatter_chart([], x_range=(1, 1), y_range=(0, 1), x_ticks=(), y_ticks=())


def test_change_chart_has_a_fixed_scale_and_marks_both_ends():
    c = build_change_chart(
        title="Subscales",
        summary="Early and end.",
        rows=[
            {"label": "Bond, client", "first": 4, "second": 20, "text": "4 to 20"},
            {"label": "Goal, client", "first": 12, "second": None, "text": "12 to –"},
        ],
        x_min=4,
        x_max=20,
        chart_id="c",
        tick_values=range(4, 21, 4),
    )
    bond, goal = c["rows"]
    # The scale runs from the left edge of the plot (4) to its right edge (20).
    assert (bond["first_x"], bond["second_x"]) == (c["left"], c["right"])
    assert bond["joined"] and not goal["joined"]
    assert goal["second_x"] is None and goal["first_x"] == "50.00"
    assert [t["value"] for t in c["ticks"]] == [4, 8, 12, 16, 20]
    assert c["height"] > float(goal["y"])
    with pytest.raises(ValueError):
        build_change_chart(title="", summary="", rows=[], x_min=5, x_max=5, chart_id="x")
