"""Dashboard widgets (metric graph, Logs Insights table, alarm status, text) and their AWS JSON.

Each widget knows its size on CloudWatch's 24-column grid and renders the ``properties`` object of
AWS's "Dashboard Body Structure and Syntax"; the layout engine gives it x and y.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboards.naming import REGION, alarm_arn

GRID_COLUMNS = 24


@dataclass(frozen=True)
class MetricLine:
    """One entry of a metric widget's ``metrics`` array: a metric or a math expression."""

    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str | None = None
    label: str | None = None
    id: str | None = None
    expression: str | None = None
    visible: bool = True

    def render(self) -> list[Any]:
        options: dict[str, Any] = {}
        if self.label:
            options["label"] = self.label
        if self.id:
            options["id"] = self.id
        if not self.visible:
            options["visible"] = False
        if self.expression is not None:
            return [{"expression": self.expression, **options}]
        if self.stat:
            options["stat"] = self.stat
        entry: list[Any] = [self.namespace, self.metric_name]
        for name, value in self.dimensions:
            entry.extend([name, value])
        if options:
            entry.append(options)
        return entry


@dataclass(frozen=True)
class HorizontalAnnotation:
    """A threshold line; with ``alarm`` set, the line follows that alarm's final threshold
    (``build`` re-reads it after the catalog's overrides)."""

    label: str
    value: float
    color: str = "#d62728"
    alarm: str | None = None


@dataclass(frozen=True)
class MetricWidget:
    """A time-series graph of metrics (and math expressions) with optional threshold lines."""

    title: str
    metrics: tuple[MetricLine, ...]
    width: int = 6
    height: int = 6
    period: int = 60
    stat: str = "Sum"
    annotations: tuple[HorizontalAnnotation, ...] = ()
    y_label: str | None = None
    type: str = field(default="metric", init=False)

    def properties(self) -> dict[str, Any]:
        y_axis: dict[str, Any] = {"min": 0}
        if self.y_label:
            y_axis["label"] = self.y_label
            y_axis["showUnits"] = False
        props: dict[str, Any] = {
            "metrics": [line.render() for line in self.metrics],
            "period": self.period,
            "region": REGION,
            "stacked": False,
            "stat": self.stat,
            "title": self.title,
            "view": "timeSeries",
            "yAxis": {"left": y_axis},
        }
        if self.annotations:
            props["annotations"] = {
                "horizontal": [
                    {"color": a.color, "label": a.label, "value": a.value} for a in self.annotations
                ]
            }
        return props

    @property
    def metric_count(self) -> int:
        return len(self.metrics)


@dataclass(frozen=True)
class LogWidget:
    """A Logs Insights query shown as a table; ``query`` is the text after the SOURCE clauses."""

    title: str
    log_groups: tuple[str, ...]
    query: str
    width: int = 12
    height: int = 6
    type: str = field(default="log", init=False)

    @property
    def full_query(self) -> str:
        sources = " | ".join(f"SOURCE '{group}'" for group in self.log_groups)
        return f"{sources} | {self.query}"

    def properties(self) -> dict[str, Any]:
        return {"query": self.full_query, "region": REGION, "title": self.title, "view": "table"}

    @property
    def metric_count(self) -> int:
        return 0


@dataclass(frozen=True)
class AlarmStatusWidget:
    """The state of up to 100 alarms, ALARM first."""

    title: str
    alarm_names: tuple[str, ...]
    width: int = 24
    height: int = 6
    type: str = field(default="alarm", init=False)

    def properties(self) -> dict[str, Any]:
        return {
            "alarms": [alarm_arn(name) for name in self.alarm_names],
            "sortBy": "stateUpdatedTimestamp",
            "title": self.title,
        }

    @property
    def metric_count(self) -> int:
        return 0


@dataclass(frozen=True)
class TextWidget:
    """Markdown: the runbook link and what the dashboard shows."""

    markdown: str
    width: int = 24
    height: int = 2
    type: str = field(default="text", init=False)

    @property
    def title(self) -> str:
        return self.markdown.splitlines()[0] if self.markdown else ""

    def properties(self) -> dict[str, Any]:
        return {"markdown": self.markdown}

    @property
    def metric_count(self) -> int:
        return 0


Widget = MetricWidget | LogWidget | AlarmStatusWidget | TextWidget
