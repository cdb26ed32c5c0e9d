"""Chart geometry: shares land where the axes say, bars split in proportion, labels thin out."""

from __future__ import annotations

from datetime import UTC, datetime

from course.services import charts


def test_line_chart_places_shares_on_the_percent_axis():
    chart = charts.line_chart([0, 5, 10], {"Alpha": [0.0, 0.5, 1.0]}, [(0, "a"), (10, "b")], 0.95)
    (line,) = chart.series
    assert line.points == ((44.0, 200.0), (328.0, 106.0), (612.0, 12.0))
    assert line.path == "44.0,200.0 328.0,106.0 612.0,12.0"
    assert [t.label for t in chart.y_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert [t.at for t in chart.x_ticks] == [44.0, 612.0]
    assert chart.guide.label == "95%" and round(chart.guide.at, 2) == 21.4


def test_one_moment_sits_in_the_middle_and_values_are_clamped():
    chart = charts.line_chart([7, 7], {"A": [1.4, -0.2]}, [(7, "now")])
    assert chart.series[0].points == ((328.0, 12.0), (328.0, 200.0))


def test_at_most_eight_x_labels():
    labels = [(i, str(i)) for i in range(20)]
    chart = charts.line_chart(list(range(20)), {"A": [0.5] * 20}, labels)
    assert [t.label for t in chart.x_ticks] == ["0", "3", "6", "9", "12", "15", "18"]


def test_stacked_bar_splits_in_proportion_and_skips_empty_bands():
    segments = charts.stacked_bar([1, 0, 2, 1], width=200)
    assert [(s.x, s.width, s.band, s.count) for s in segments] == [
        (0.0, 50.0, 0, 1),
        (50.0, 100.0, 2, 2),
        (150.0, 50.0, 3, 1),
    ]
    assert charts.stacked_bar([0, 0, 0, 0]) == ()


def test_time_labels_are_evenly_spaced_dates():
    low = datetime(2026, 11, 2, tzinfo=UTC).timestamp()
    labels = charts.time_labels(low, low + 8 * 86400, "%d %b")
    assert [text for _, text in labels] == ["02 Nov", "04 Nov", "06 Nov", "08 Nov", "10 Nov"]
    assert charts.time_labels(low, low, "%d %b") == [(low, "02 Nov")]


def test_track_panels_group_competencies_by_track():
    tracks = [
        {"id": "t1", "name": "One"},
        {"id": "t2", "name": "Two"},
        {"id": "t3", "name": "Empty"},
    ]
    comps = [
        {"id": "a", "name": "A", "track": "t1", "params": {"threshold": 0.9}},
        {"id": "b", "name": "B", "track": "t2", "params": {}},
        {"id": "c", "name": "C", "track": "t1", "params": {}},
    ]
    panels = charts.track_panels(tracks, comps, lambda c: [0.5, 0.6], [0, 1], [(0, "x")])
    assert [(p.title, [s.name for s in p.chart.series]) for p in panels] == [
        ("One", ["A", "C"]),
        ("Two", ["B"]),
    ]
    assert panels[0].chart.guide.label == "90%" and panels[1].chart.guide.label == "95%"
