"""CloudWatch Logs metric filters, applied to the lines the sandbox writes (moto stores them, never
applies them).

On AWS every metric filter of a log group sees each event put to that group: when its pattern
matches, it publishes its metric value (a number, or the number a property selector reads) with
the dimensions it reads from the line, stamped with the event's timestamp (and, like every
log-derived metric, reaching alarms only after the log-derived ingestion delay of
:mod:`dashboards.alarm_eval_timing`); when it does not and
the filter has a default value, it publishes that. The sandbox does the same with the filters the
endpoint holds (what ``obskit deploy`` put there), read once when it starts, and sends each
datapoint through :class:`~sandbox.metrics_publisher.MetricsPublisher`: the alarm
evaluator sees it, and so does the endpoint. Patterns are read by :mod:`dashboards.filter_pattern`,
the same reading the generator's validator uses; a filter outside its subset is an error when the
sandbox starts, naming the filter, rather than a metric that silently never appears.

Where AWS documents nothing this follows the safe side: a line whose value is not a number, or
that lacks a dimension's property, publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from dashboards.filter_pattern import (
    MISSING,
    FilterPatternError,
    Node,
    matches,
    parse,
    parse_selector,
    required_text,
    select,
)
from sandbox.aws import Clients
from sandbox.errors import SandboxError
from sandbox.metrics_publisher import MetricsPublisher


@dataclass(frozen=True)
class _Filter:
    name: str
    pattern: Node
    hint: frozenset[str] | None
    namespace: str
    metric: str
    value: float | tuple[str, ...]
    """A constant, or the property selector to read it from."""
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    unit: str
    default: float | None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def compile_filter(entry: Mapping[str, Any]) -> _Filter:
    """A DescribeMetricFilters entry (or put_metric_filter kwargs), ready to apply."""
    name = f"{entry['filterName']} on {entry['logGroupName']}"
    try:
        pattern = parse(entry.get("filterPattern") or "")
        (transformation,) = entry["metricTransformations"]
        raw_value = str(transformation["metricValue"])
        value: float | tuple[str, ...]
        value = parse_selector(raw_value) if raw_value.startswith("$") else float(raw_value)
        dimensions = tuple(
            (dim, parse_selector(selector))
            for dim, selector in sorted((transformation.get("dimensions") or {}).items())
        )
    except (FilterPatternError, ValueError) as error:
        raise SandboxError(f"metric filter {name}: {error}") from None
    default = transformation.get("defaultValue")
    return _Filter(
        name=name,
        pattern=pattern,
        hint=required_text(pattern),
        namespace=transformation["metricNamespace"],
        metric=transformation["metricName"],
        value=value,
        dimensions=dimensions,
        unit=transformation.get("unit") or "None",
        default=None if default is None else float(default),
    )


class MetricFilterRunner:
    """The metric filters of each log group, applied line by line."""

    def __init__(self, entries: Iterable[Mapping[str, Any]], metrics: MetricsPublisher) -> None:
        self._metrics = metrics
        self._by_group: dict[str, list[_Filter]] = {}
        for entry in entries:
            self._by_group.setdefault(entry["logGroupName"], []).append(compile_filter(entry))

    @classmethod
    def from_endpoint(cls, clients: Clients, metrics: MetricsPublisher) -> MetricFilterRunner:
        """The filters the endpoint holds, in every log group."""
        entries = [
            entry
            for page in clients.logs.get_paginator("describe_metric_filters").paginate()
            for entry in page.get("metricFilters", [])
        ]
        return cls(entries, metrics)

    @property
    def log_groups(self) -> list[str]:
        return sorted(self._by_group)

    def observe(self, log_group: str, timestamp: float, message: str) -> None:
        """Apply ``log_group``'s filters to one log event (``timestamp`` in epoch seconds)."""
        filters = self._by_group.get(log_group)
        if not filters:
            return
        event: Any = MISSING
        for f in filters:
            matched = False
            if f.hint is None or any(text in message for text in f.hint):
                if event is MISSING:
                    event = _json(message)
                matched = event is not None and matches(f.pattern, event)
            if matched:
                self._publish(f, event, timestamp)
            elif f.default is not None:
                self._metrics.put(
                    f.namespace,
                    f.metric,
                    {},
                    f.default,
                    at=timestamp,
                    unit=f.unit,
                    log_derived=True,
                )

    def _publish(self, f: _Filter, event: Any, timestamp: float) -> None:
        value = f.value if isinstance(f.value, float) else _number(select(event, f.value))
        if value is None:
            return
        dimensions: dict[str, str] = {}
        for dim, path in f.dimensions:
            found = select(event, path)
            if found is MISSING or found is None or isinstance(found, dict | list):
                return
            dimensions[dim] = found if isinstance(found, str) else orjson.dumps(found).decode()
        self._metrics.put(
            f.namespace, f.metric, dimensions, value, at=timestamp, unit=f.unit, log_derived=True
        )


def _json(message: str) -> Any:
    """The event as JSON, or None: a JSON pattern never matches a plain-text line."""
    if not message.lstrip().startswith("{"):
        return None
    try:
        return orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
