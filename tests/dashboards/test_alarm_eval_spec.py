"""AlarmSpec read from PutMetricAlarm's arguments, and the checks PutMetricAlarm would make."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from dashboards.alarm_eval_operators import Band
from dashboards.alarm_eval_spec import AlarmSpec, MetricQuery, MetricStat

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
DLQ_ALARM: dict[str, Any] = {
    "AlarmName": "planner-dlq-depth",
    "AlarmDescription": "Messages in the planner DLQ",
    "ActionsEnabled": True,
    "AlarmActions": [TOPIC],
    "OKActions": [TOPIC],
    "InsufficientDataActions": [],
    "MetricName": "ApproximateNumberOfMessagesVisible",
    "Namespace": "AWS/SQS",
    "Statistic": "Maximum",
    "Dimensions": [{"Name": "QueueName", "Value": "planner-dlq"}],
    "Period": 60,
    "EvaluationPeriods": 5,
    "DatapointsToAlarm": 2,
    "Threshold": 0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}
ERROR_RATE: dict[str, Any] = {
    "AlarmName": "planner-error-rate",
    "EvaluationPeriods": 3,
    "Threshold": 5.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "Metrics": [
        {
            "Id": "errors",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "planner"}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": False,
        },
        {
            "Id": "invocations",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "planner"}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": False,
        },
        {"Id": "rate", "Expression": "100 * FILL(errors, 0) / invocations", "ReturnData": True},
    ],
}


def test_single_metric_alarm_from_kwargs() -> None:
    spec = AlarmSpec.from_put_metric_alarm_kwargs(DLQ_ALARM)
    assert (spec.namespace, spec.metric_name, spec.statistic) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
    )
    assert spec.dimensions == (("QueueName", "planner-dlq"),)
    assert (spec.evaluation_periods, spec.required_breaches, spec.evaluation_period) == (5, 2, 60)
    assert spec.threshold == 0.0
    assert spec.treat_missing_data == "notBreaching"
    assert spec.actions_for("ALARM") == (TOPIC,)
    assert spec.actions_for("OK") == (TOPIC,)
    assert spec.actions_for("INSUFFICIENT_DATA") == ()


def test_defaults_follow_put_metric_alarm() -> None:
    kwargs = {
        k: v for k, v in DLQ_ALARM.items() if k not in ("DatapointsToAlarm", "TreatMissingData")
    }
    spec = AlarmSpec.from_put_metric_alarm_kwargs({**kwargs, "ActionsEnabled": False})
    assert spec.required_breaches == 5
    assert spec.treat_missing_data == "missing"
    assert spec.actions_for("ALARM") == ()


def test_extended_statistic_is_the_percentile() -> None:
    kwargs = {k: v for k, v in DLQ_ALARM.items() if k != "Statistic"}
    spec = AlarmSpec.from_put_metric_alarm_kwargs({**kwargs, "ExtendedStatistic": "p99.9"})
    assert spec.statistic == "p99.9"


def test_metric_math_alarm_from_kwargs() -> None:
    spec = AlarmSpec.from_put_metric_alarm_kwargs(ERROR_RATE)
    assert spec.evaluation_period == 300
    assert [q.id for q in spec.metrics] == ["errors", "invocations", "rate"]
    assert [q.id for q in spec.metrics if q.return_data] == ["rate"]
    errors = spec.metrics[0].metric_stat
    assert errors == MetricStat("AWS/Lambda", "Errors", 300, "Sum", (("FunctionName", "planner"),))
    assert spec.metrics[2].parsed is not None
    assert spec.metrics[2].parsed.ids == {"errors", "invocations"}


def _without_return_data(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in q.items() if k != "ReturnData"} for q in metrics]


def test_return_data_defaults_to_the_expression() -> None:
    spec = AlarmSpec.from_put_metric_alarm_kwargs(
        {**ERROR_RATE, "Metrics": _without_return_data(ERROR_RATE["Metrics"])}
    )
    assert [q.id for q in spec.metrics if q.return_data] == ["rate"]


def _metrics_with(**changes: Any) -> list[dict[str, Any]]:
    metrics = [dict(q) for q in ERROR_RATE["Metrics"]]
    for index, change in changes.items():
        metrics[int(index[1:])].update(change)
    return metrics


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"AlarmNme": "x"}, "did you mean 'AlarmName'"),
        ({"Period": 45}, "period: must be 10, 20, 30 or a multiple of 60"),
        ({"Period": 3600, "EvaluationPeriods": 169, "DatapointsToAlarm": 2}, "at most 604800"),
        ({"Period": 300, "EvaluationPeriods": 289, "DatapointsToAlarm": 2}, "at most 86400"),
        ({"DatapointsToAlarm": 6}, "datapoints_to_alarm"),
        ({"ComparisonOperator": "GreaterThan"}, "did you mean 'GreaterThanThreshold'"),
        ({"TreatMissingData": "notbreaching"}, "did you mean 'notBreaching'"),
        ({"Statistic": "Avg"}, "did you mean 'Average'"),
        ({"ExtendedStatistic": "p99"}, "Statistic or ExtendedStatistic, not both"),
        ({"AlarmActions": [TOPIC] * 6}, "at most 5 actions"),
        ({"ThresholdMetricId": "ad1"}, "ThresholdMetricId"),
        ({"Metrics": ERROR_RATE["Metrics"]}, "either a single metric or metrics"),
    ],
)
def test_single_metric_checks(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        AlarmSpec.from_put_metric_alarm_kwargs({**DLQ_ALARM, **changes})


@pytest.mark.parametrize(
    ("metrics", "fragment"),
    [
        (_metrics_with(q0={"ReturnData": True}), "exactly one query must have ReturnData"),
        (_metrics_with(q2={"Expression": "100 * errors / calls"}), r"unknown ids \['calls'\]"),
        (_metrics_with(q2={"Expression": "100 * (errors / invocations"}), "at position"),
        (
            _metrics_with(
                q1={"MetricStat": {**ERROR_RATE["Metrics"][1]["MetricStat"], "Period": 60}}
            ),
            "same period",
        ),
        (_metrics_with(q2={"Id": "Rate"}), "lowercase letter"),
        (_metrics_with(q0={"MetricStat": {"Period": 300, "Stat": "Sum"}}), "Namespace is required"),
    ],
)
def test_metric_math_checks(metrics: list[dict[str, Any]], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        AlarmSpec.from_put_metric_alarm_kwargs({**ERROR_RATE, "Metrics": metrics})


def test_band_threshold_is_an_obskit_extension_for_band_operators() -> None:
    band = AlarmSpec(
        name="latency-band",
        namespace="AWS/Lambda",
        metric_name="Duration",
        statistic="p99",
        period=60,
        evaluation_periods=3,
        threshold=Band(100.0, 900.0),
        comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
    )
    assert band.threshold == (100.0, 900.0)
    with pytest.raises(ValueError, match="threshold: GreaterThanThreshold needs a number"):
        AlarmSpec(**{**band.__dict__, "comparison_operator": "GreaterThanThreshold"})
    with pytest.raises(ValueError, match="metrics"):
        MetricQuery("e1")


@mock_aws
def test_describe_alarms_entry_reads_back_what_was_put() -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch.put_metric_alarm(**DLQ_ALARM)
    cloudwatch.put_metric_alarm(**ERROR_RATE)
    entries = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    for kwargs in (DLQ_ALARM, ERROR_RATE):
        described = AlarmSpec.from_describe_alarms_entry(entries[kwargs["AlarmName"]])
        assert described == AlarmSpec.from_put_metric_alarm_kwargs(kwargs)
