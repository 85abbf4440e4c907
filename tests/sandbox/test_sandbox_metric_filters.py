"""The sandbox applies the metric filters moto only stores: lines become datapoints, alarms fire."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.facades.event_type import HOP_LATENCY
from sandbox import Sandbox, SandboxError
from sandbox.metric_filters import MetricFilterRunner
from sandbox.metrics_publisher import MetricsPublisher

GROUP = "/aws/lambda/sys-dev-portfolio"
HOP_FILTER: dict[str, Any] = {
    "logGroupName": GROUP,
    "filterName": "sys-dev-portfolio-hop-latency",
    "filterPattern": "{ $.event_age_ms >= 0 }",
    "metricTransformations": [
        {
            "metricName": "HopLatency",
            "metricNamespace": "obskit",
            "metricValue": "$.event_age_ms",
            "unit": "Milliseconds",
            "dimensions": {"EventType": "$.event_type"},
        }
    ],
}
COUNT_FILTER: dict[str, Any] = {
    "logGroupName": GROUP,
    "filterName": "sys-dev-portfolio-errors",
    "filterPattern": '{ $.level = "ERROR" }',
    "metricTransformations": [
        {"metricName": "ErrorLines", "metricNamespace": "obskit", "metricValue": "1",
         "defaultValue": 0}
    ],
}  # fmt: skip


def _line(**fields: Any) -> str:
    return json.dumps({"level": "INFO", "message": "m", **fields})


def _runner(*filters: dict[str, Any]) -> tuple[MetricFilterRunner, MetricsPublisher]:
    publisher = MetricsPublisher(InMemoryMetricStore(), None)
    return MetricFilterRunner(filters, publisher), publisher


def _values(publisher: MetricsPublisher, name: str, dims: dict[str, str]) -> list[float]:
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    return publisher.store.samples("obskit", name, dims, start, end)


def test_a_matching_line_publishes_its_value_with_the_dimensions_it_carries() -> None:
    runner, publisher = _runner(HOP_FILTER)
    at = datetime(2026, 1, 5, 14, 30, 12, tzinfo=UTC).timestamp()
    runner.observe(GROUP, at, _line(event_type="SignalGenerated", event_age_ms=1834))
    runner.observe(GROUP, at + 1, _line(event_type="SignalGenerated", event_age_ms=20))
    runner.observe(GROUP, at + 2, _line(event_type="RebalancePlanned", event_age_ms=7))

    assert _values(publisher, "HopLatency", {"EventType": "SignalGenerated"}) == [1834, 20]
    assert _values(publisher, "HopLatency", {"EventType": "RebalancePlanned"}) == [7]
    assert publisher._pending["obskit"][0]["Unit"] == "Milliseconds"
    assert publisher._pending["obskit"][0]["Timestamp"] == datetime.fromtimestamp(at, tz=UTC)


@pytest.mark.parametrize(
    "message",
    [
        "START RequestId: 1 Version: $LATEST",  # plain text: a JSON pattern never matches
        _line(event_type="SignalGenerated"),  # no age: the pattern does not match
        _line(event_type="SignalGenerated", event_age_ms="12"),  # a string is not a number
        _line(event_type="SignalGenerated", event_age_ms=-1),  # below the pattern's bound
        _line(event_age_ms=12),  # no dimension value: nothing is published
        "{not json",
    ],
)
def test_lines_the_filter_does_not_turn_into_a_datapoint(message: str) -> None:
    runner, publisher = _runner(HOP_FILTER)
    runner.observe(GROUP, 1_700_000_000.0, message)
    assert publisher.store.metrics() == []


def test_other_log_groups_are_not_touched_and_defaults_fill_non_matching_lines() -> None:
    runner, publisher = _runner(HOP_FILTER, COUNT_FILTER)
    runner.observe("/aws/lambda/other", 1_700_000_000.0, _line(level="ERROR", event_age_ms=1))
    assert publisher.store.metrics() == []
    runner.observe(GROUP, 1_700_000_000.0, _line(level="ERROR"))
    runner.observe(GROUP, 1_700_000_001.0, _line(level="INFO"))
    assert _values(publisher, "ErrorLines", {}) == [1, 0]
    assert runner.log_groups == [GROUP]


def test_a_filter_outside_the_supported_subset_is_an_error_naming_it() -> None:
    bad = dict(HOP_FILTER, filterPattern="[ip, user, status > 400]")
    with pytest.raises(SandboxError, match="sys-dev-portfolio-hop-latency on /aws/lambda/"):
        _runner(bad)


@pytest.mark.slow
def test_a_throttled_consumers_hop_latency_alarm_fires_from_its_log_lines(
    sandbox: Sandbox,
) -> None:
    # An SQS-fed consumer: its messages wait in the queue while it is throttled. An
    # asynchronously invoked one would lose them (reserved concurrency 0 drops async events).
    catalog = sandbox.catalog
    event = next(
        e
        for e in catalog.event_types
        if e.hop_sla_s is not None and any(s.trigger == "sqs" for s in catalog.consumers_of(e.name))
    )
    consumer = next(s for s in catalog.consumers_of(event.name) if s.trigger == "sqs")
    assert sandbox.monitoring is not None
    (alarm,) = [
        spec
        for spec in sandbox.monitoring.specs
        if spec.metric_name == HOP_LATENCY and dict(spec.dimensions) == {"EventType": event.name}
    ]

    sandbox.run_workflows(1)  # a healthy run: every hop within its SLA
    assert all(s != "ALARM" for n, s in sandbox.alarm_states().items() if "hop-latency" in n)

    sandbox.inject_fault(consumer.name, "throttle")
    sandbox.run_workflows(1, settle_s=0)
    sandbox.advance(10 * 60)  # held back in the queue while the event source is throttled
    assert sandbox.alarm_states()[alarm.name] != "ALARM"  # nothing handled late yet
    sandbox.clear_faults()
    sandbox.settle()
    # A metric filter's datapoint reaches the alarm 120 s after its line (log-derived ingestion
    # delay), and the alarm reads it at the next minute's evaluation.
    sandbox.advance(180)

    fired = [t for t in sandbox.alarm_history(alarm.name) if t.new_state == "ALARM"]
    assert fired, sandbox.alarm_history(alarm.name)
    late = [
        r.json()
        for r in sandbox.logs.records
        if r.log_group == consumer.log_group
        and (r.json() or {}).get("event_type") == event.name
        and (r.json() or {}).get("event_age_ms", 0) > event.hop_sla_s * 1000
    ]
    assert late, "the alarm must come from lines that say the event was handled late"
    assert sandbox.workflow_counts().completed == 2
