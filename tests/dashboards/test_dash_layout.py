"""The layout engine keeps every widget on the 24-column grid without overlap; the dashboard
validator catches every grid and count limit when a dashboard is built by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.dashboard_model import Dashboard
from dashboards.layout import PlacedWidget, Section, layout
from dashboards.validation.dashboard_limits import validate_dashboard
from dashboards.widgets import (
    AlarmStatusWidget,
    LogWidget,
    MetricLine,
    MetricWidget,
    TextWidget,
)


def _metric_widget(title: str = "w", width: int = 6, lines: int = 1) -> MetricWidget:
    metrics = tuple(
        MetricLine("AWS/Lambda", "Errors", (("FunctionName", f"f{i}"),)) for i in range(lines)
    )
    return MetricWidget(title, metrics, width=width)


def test_widgets_wrap_at_column_24_and_sections_start_new_rows() -> None:
    a, b, c = _metric_widget("a", 12), _metric_widget("b", 8), _metric_widget("c", 6)
    d = TextWidget("# next", width=24, height=2)
    placed = layout([Section("one", (a, b, c)), Section("two", (d,))])
    assert [(p.x, p.y) for p in placed] == [(0, 0), (12, 0), (0, 6), (0, 12)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(1, 24), st.integers(1, 8)), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    )
)
def test_layout_never_overlaps_nor_leaves_the_grid(sections: list[list[tuple[int, int]]]) -> None:
    built = [
        Section(str(i), tuple(TextWidget("t", width=w, height=h) for w, h in widgets))
        for i, widgets in enumerate(sections)
    ]
    placed = layout(built)
    cells: set[tuple[int, int]] = set()
    for p in placed:
        assert p.x >= 0 and p.x + p.widget.width <= 24
        own = {
            (x, y)
            for x in range(p.x, p.x + p.widget.width)
            for y in range(p.y, p.y + p.widget.height)
        }
        assert not cells & own
        cells |= own
    dashboard = Dashboard("d", tuple(placed))
    assert validate_dashboard(dashboard) == []


def _messages(dashboard: Dashboard) -> list[str]:
    return [str(i) for i in validate_dashboard(dashboard)]


def test_x_outside_the_grid_and_width_too_wide() -> None:
    bad = Dashboard(
        "sys-dev",
        (
            PlacedWidget(_metric_widget("left", 6), 24, 0),
            PlacedWidget(_metric_widget("wide", 25), 0, 6),
            PlacedWidget(_metric_widget("overhang", 6), 20, 12),
        ),
    )
    assert _messages(bad) == [
        "dashboard 'sys-dev' widget 0 ('left'): x: 24 is outside 0-23",
        "dashboard 'sys-dev' widget 1 ('wide'): width: 25 is outside 1-24",
        "dashboard 'sys-dev' widget 2 ('overhang'): width: x 20 + width 6 passes column 24",
    ]


def test_more_than_500_widgets() -> None:
    widgets = tuple(TextWidget("t", width=24, height=1) for _ in range(501))
    assert _messages(Dashboard("sys-dev", tuple(layout([Section("s", widgets)])))) == [
        "dashboard 'sys-dev': widgets: 501 widgets, at most 500"
    ]


def test_more_than_2500_metrics_per_dashboard_and_500_per_widget() -> None:
    widgets = tuple(_metric_widget(f"g{i}", 24, 500) for i in range(5)) + (
        _metric_widget("one more", 24, 1),
    )
    assert _messages(Dashboard("sys-dev", tuple(layout([Section("s", widgets)])))) == [
        "dashboard 'sys-dev': metrics: 2501 metrics, at most 2500"
    ]
    too_many = _metric_widget("huge", 24, 501)
    assert _messages(Dashboard("sys-dev", tuple(layout([Section("s", (too_many,))])))) == [
        "dashboard 'sys-dev' widget 0 ('huge'): metrics: 501 metrics, at most 500"
    ]


def test_alarm_widget_holds_at_most_100_alarms() -> None:
    widget = AlarmStatusWidget("alarms", tuple(f"a{i}" for i in range(101)))
    assert _messages(Dashboard("sys-dev", (PlacedWidget(widget, 0, 0),))) == [
        "dashboard 'sys-dev' widget 0 ('alarms'): alarms: 101 alarms, must be 1-100"
    ]


def test_log_widget_limits_and_insights_syntax() -> None:
    groups = tuple(f"/aws/lambda/f{i}" for i in range(51))
    too_many = LogWidget("errors", groups, "fields @timestamp | limit 5")
    broken = LogWidget("broken", groups[:2], "fields @timestamp | filter (level = ")
    issues = _messages(
        Dashboard("sys-dev", (PlacedWidget(too_many, 0, 0), PlacedWidget(broken, 12, 0)))
    )
    assert issues[0] == (
        "dashboard 'sys-dev' widget 0 ('errors'): log_groups: 51 log groups, must be 1-50"
    )
    assert issues[1].startswith(
        "dashboard 'sys-dev' widget 1 ('broken'): query: not valid Logs Insights:"
    )
    assert len(issues) == 2


def test_dashboard_name_characters() -> None:
    assert _messages(Dashboard("sys dev/x", ())) == [
        "dashboard 'sys dev/x': name: must be 1-255 characters of A-Z a-z 0-9 - _"
    ]
