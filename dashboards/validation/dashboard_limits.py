"""AWS's limits for dashboards, which cfn-lint cannot see inside the DashboardBody string.

Grid: x 0–23, width 1–24, x + width ≤ 24, y ≥ 0, height ≥ 1; at most 500 widgets and 2,500
metrics per dashboard, 500 per graph; at most 100 alarms per alarm-status widget; dashboard names
of 1–255 letters, digits, '-' and '_'; a log widget reads at most 50 log groups and its query
must be valid Logs Insights (checked with ``insights_queries.parse`` when that package has it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from dashboards.dashboard_model import Dashboard
from dashboards.validation.issues import Issue
from dashboards.widgets import GRID_COLUMNS, AlarmStatusWidget, LogWidget, MetricWidget

MAX_WIDGETS = 500
MAX_METRICS_PER_DASHBOARD = 2500
MAX_METRICS_PER_WIDGET = 500
MAX_ALARMS_PER_ALARM_WIDGET = 100
MAX_LOG_GROUPS_PER_QUERY = 50
MAX_QUERY_CHARS = 10000
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def _insights_parser() -> Callable[[str], object] | None:
    """``insights_queries.parse``, imported lazily: it is the other package's, and optional here.

    Wrapped in a cache: large dashboards repeat one query over chunks of 50 log groups."""
    try:
        from insights_queries import parse
    except ImportError:
        return None
    return functools.lru_cache(maxsize=256)(parse)


def validate_dashboard(dashboard: Dashboard) -> list[Issue]:
    where = f"dashboard '{dashboard.name}'"
    issues: list[Issue] = []
    if not _NAME.match(dashboard.name):
        issues.append(Issue(where, "name", "must be 1-255 characters of A-Z a-z 0-9 - _"))
    if len(dashboard.widgets) > MAX_WIDGETS:
        issues.append(
            Issue(where, "widgets", f"{len(dashboard.widgets)} widgets, at most {MAX_WIDGETS}")
        )
    if dashboard.metric_count > MAX_METRICS_PER_DASHBOARD:
        issues.append(
            Issue(
                where,
                "metrics",
                f"{dashboard.metric_count} metrics, at most {MAX_METRICS_PER_DASHBOARD}",
            )
        )
    parse = _insights_parser()
    for index, placed in enumerate(dashboard.widgets):
        widget = placed.widget
        at = f"{where} widget {index} ('{widget.title}')"
        if not 0 <= placed.x < GRID_COLUMNS:
            issues.append(Issue(at, "x", f"{placed.x} is outside 0-{GRID_COLUMNS - 1}"))
        if not 1 <= widget.width <= GRID_COLUMNS:
            issues.append(Issue(at, "width", f"{widget.width} is outside 1-{GRID_COLUMNS}"))
        elif 0 <= placed.x < GRID_COLUMNS and placed.x + widget.width > GRID_COLUMNS:
            issues.append(
                Issue(at, "width", f"x {placed.x} + width {widget.width} passes column 24")
            )
        if placed.y < 0:
            issues.append(Issue(at, "y", f"{placed.y} is negative"))
        if widget.height < 1:
            issues.append(Issue(at, "height", f"{widget.height} is less than 1"))
        if isinstance(widget, MetricWidget):
            if not widget.metrics:
                issues.append(Issue(at, "metrics", "a metric widget needs at least one metric"))
            if widget.metric_count > MAX_METRICS_PER_WIDGET:
                issues.append(
                    Issue(
                        at,
                        "metrics",
                        f"{widget.metric_count} metrics, at most {MAX_METRICS_PER_WIDGET}",
                    )
                )
        elif isinstance(widget, AlarmStatusWidget):
            if not 1 <= len(widget.alarm_names) <= MAX_ALARMS_PER_ALARM_WIDGET:
                issues.append(
                    Issue(
                        at,
                        "alarms",
                        f"{len(widget.alarm_names)} alarms, must be 1-{MAX_ALARMS_PER_ALARM_WIDGET}",
                    )
                )
        elif isinstance(widget, LogWidget):
            issues.extend(_log_widget_issues(at, widget, parse))
    return issues


def _log_widget_issues(
    at: str, widget: LogWidget, parse: Callable[[str], object] | None
) -> list[Issue]:
    issues = []
    if not 1 <= len(widget.log_groups) <= MAX_LOG_GROUPS_PER_QUERY:
        issues.append(
            Issue(
                at,
                "log_groups",
                f"{len(widget.log_groups)} log groups, must be 1-{MAX_LOG_GROUPS_PER_QUERY}",
            )
        )
    if len(widget.full_query) > MAX_QUERY_CHARS:
        issues.append(
            Issue(at, "query", f"{len(widget.full_query)} characters, at most {MAX_QUERY_CHARS}")
        )
    if parse is not None:
        try:
            parse(widget.query)
        except Exception as exc:  # the parser's own error type; its message names the problem
            issues.append(Issue(at, "query", f"not valid Logs Insights: {exc}"))
    return issues
