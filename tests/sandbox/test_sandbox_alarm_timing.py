"""The sandbox's half of alarm timing as on AWS: datapoints reach the alarm store late (service
metrics after 60 s, log-derived ones after 120 s), composite alarms notify in CloudWatch's shape
and are mirrored only where the endpoint can hold them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dashboards.alarm_eval_composite import CompositeSpec
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmNotification
from sandbox.alarms import AlarmRunner, alarm_message
from sandbox.metric_filters import MetricFilterRunner
from sandbox.metrics_publisher import MetricsPublisher

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def _visible(store: InMemoryMetricStore, namespace: str, name: str, as_of: datetime) -> list[float]:
    return store.samples(namespace, name, {}, T0, T0 + timedelta(hours=1), as_of=as_of)


def test_service_metrics_reach_alarms_a_minute_after_their_timestamp() -> None:
    publisher = MetricsPublisher(InMemoryMetricStore(), None)
    publisher.put("AWS/Lambda", "Errors", {}, 1, at=T0.timestamp() + 5)
    store = publisher.store
    assert _visible(store, "AWS/Lambda", "Errors", T0 + timedelta(seconds=64)) == []
    assert _visible(store, "AWS/Lambda", "Errors", T0 + timedelta(seconds=65)) == [1.0]
    # Dashboards (the endpoint) get the datapoint with its own timestamp, as PutMetricData does.
    assert publisher._pending["AWS/Lambda"][0]["Timestamp"] == T0 + timedelta(seconds=5)


def test_metric_filter_datapoints_are_log_derived_and_arrive_later() -> None:
    publisher = MetricsPublisher(InMemoryMetricStore(), None)
    entry: dict[str, Any] = {
        "logGroupName": "/aws/lambda/f",
        "filterName": "errors",
        "filterPattern": '{ $.level = "ERROR" }',
        "metricTransformations": [
            {"metricName": "ErrorLines", "metricNamespace": "AWS/Lambda", "metricValue": "1"}
        ],
    }
    MetricFilterRunner([entry], publisher).observe(
        "/aws/lambda/f", T0.timestamp(), json.dumps({"level": "ERROR"})
    )
    store = publisher.store
    # Even in an AWS namespace, a filter's metric travels through Logs first: 120 s, not 60.
    assert _visible(store, "AWS/Lambda", "ErrorLines", T0 + timedelta(seconds=119)) == []
    assert _visible(store, "AWS/Lambda", "ErrorLines", T0 + timedelta(seconds=120)) == [1.0]


class _Clients:
    """What AlarmRunner needs of the sandbox's clients: a region and SetAlarmState."""

    region = "us-east-1"

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.set: list[tuple[str, str]] = []
        self.cloudwatch = self

    def set_alarm_state(self, AlarmName: str, StateValue: str, StateReason: str) -> None:  # noqa: N803
        if AlarmName not in self.known:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFound", "Message": "no"}}, "SetAlarmState"
            )
        self.set.append((AlarmName, StateValue))


def _errors(name: str) -> AlarmSpec:
    return AlarmSpec(
        name=name,
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions=(),
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=0.0,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
    )


def test_composites_notify_with_their_rule_and_are_mirrored_only_where_they_exist() -> None:
    store = InMemoryMetricStore()
    for minute in range(3):
        store.put("AWS/Lambda", "Errors", {}, T0 + timedelta(minutes=minute, seconds=5), 1.0)
    published: list[tuple[str, str, str]] = []
    clients = _Clients({"errors"})
    composite = CompositeSpec("unhealthy", "ALARM(errors)", alarm_actions=(TOPIC,))
    runner = AlarmRunner(
        [_errors("errors")],
        store,
        clients,  # type: ignore[arg-type]
        start=T0,
        account_id="123456789012",
        publish=lambda *message: published.append(message) or True,
        composites=[composite],
    )
    runner.advance_to(T0 + timedelta(minutes=2))
    assert runner.states() == {"errors": "ALARM", "unhealthy": "ALARM"}
    ((action, subject, body),) = published
    assert action == TOPIC and subject.startswith('ALARM: "unhealthy"')
    message = json.loads(body)
    assert message["AlarmRule"] == "ALARM(errors)" and "Trigger" not in message
    assert runner.mirror() == 1  # the metric alarm; the endpoint has no composite to set
    assert clients.set == [("errors", "ALARM")]
    assert runner.mirror() == 0


def test_a_metric_alarm_the_endpoint_lost_is_still_an_error() -> None:
    clients = _Clients(set())
    store = InMemoryMetricStore()
    store.put("AWS/Lambda", "Errors", {}, T0 + timedelta(seconds=5), 1.0)
    runner = AlarmRunner(
        [_errors("errors")],
        store,
        clients,  # type: ignore[arg-type]
        start=T0,
        account_id="123456789012",
        publish=lambda *message: True,
    )
    runner.advance_to(T0 + timedelta(minutes=2))
    with pytest.raises(ClientError):
        runner.mirror()


def test_metric_alarm_messages_keep_their_trigger() -> None:
    note = AlarmNotification(TOPIC, "errors", T0, "OK", "ALARM", "Threshold Crossed")
    message = alarm_message(note, _errors("errors"), "123456789012", "us-east-1")
    assert message["Trigger"]["MetricName"] == "Errors" and "AlarmRule" not in message
