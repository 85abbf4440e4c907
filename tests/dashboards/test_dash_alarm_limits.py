"""Each AWS alarm limit is enforced, and the error names the alarm and the field."""

from __future__ import annotations

from typing import Any

import pytest

from dashboards.alarm_model import Alarm, CompositeAlarm, MetricQuery, MetricRef
from dashboards.validation.alarm_limits import validate_alarm, validate_composite

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def _alarm(**changes: Any) -> Alarm:
    base: dict[str, Any] = {
        "name": "sys-dev-fn-errors",
        "description": "errors",
        "namespace": "AWS/Lambda",
        "metric_name": "Errors",
        "dimensions": {"FunctionName": "fn"},
        "statistic": "Sum",
        "period": 60,
        "threshold": 0,
        "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 3,
        "datapoints_to_alarm": 3,
        "alarm_actions": [TOPIC],
        "ok_actions": [TOPIC],
    }
    base.update(changes)
    return Alarm(**base)


def _math_alarm(metrics: list[MetricQuery], **changes: Any) -> Alarm:
    return _alarm(
        namespace=None, metric_name=None, statistic=None, period=None, metrics=metrics, **changes
    )


def _metric(id_: str, period: int = 60) -> MetricQuery:
    ref = MetricRef(namespace="N", metric_name="M", dimensions={"D": id_})
    return MetricQuery(id=id_, metric=ref, stat="Sum", period=period)


def _messages(alarm: Alarm) -> list[str]:
    return [str(issue) for issue in validate_alarm(alarm)]


def test_a_valid_alarm_has_no_issue() -> None:
    assert validate_alarm(_alarm()) == []
    assert validate_alarm(_alarm(period=10, evaluation_periods=8640, datapoints_to_alarm=1)) == []


@pytest.mark.parametrize("period", [10, 20, 30, 60, 300, 3600, 86400])
def test_allowed_periods(period: int) -> None:
    assert validate_alarm(_alarm(period=period, evaluation_periods=1, datapoints_to_alarm=1)) == []


@pytest.mark.parametrize("period", [0, 5, 45, 90, 61])
def test_period_must_be_10_20_30_or_a_multiple_of_60(period: int) -> None:
    assert _messages(_alarm(period=period, evaluation_periods=1, datapoints_to_alarm=1)) == [
        f"alarm 'sys-dev-fn-errors': period: {period} is not 10, 20, 30 or a multiple of 60"
    ]


def test_datapoints_to_alarm_cannot_exceed_evaluation_periods() -> None:
    assert _messages(_alarm(evaluation_periods=3, datapoints_to_alarm=4)) == [
        "alarm 'sys-dev-fn-errors': datapoints_to_alarm: 4 must be between 1 and "
        "evaluation_periods (3)"
    ]


def test_evaluation_range_is_at_most_one_day_under_hourly_periods() -> None:
    assert _messages(_alarm(period=300, evaluation_periods=289, datapoints_to_alarm=1)) == [
        "alarm 'sys-dev-fn-errors': evaluation_periods: period 300 s × 289 evaluation periods "
        "= 86700 s, more than 86400 s"
    ]


def test_evaluation_range_is_at_most_seven_days_with_hourly_periods() -> None:
    """PutMetricAlarm allows seven days for periods of an hour or more (a nightly job's
    missed-run alarm looks back a little over a day); the old one-day rule refused 3600 × 25."""
    assert _messages(_alarm(period=3600, evaluation_periods=25, datapoints_to_alarm=1)) == []
    assert _messages(_alarm(period=3600, evaluation_periods=169, datapoints_to_alarm=1)) == [
        "alarm 'sys-dev-fn-errors': evaluation_periods: period 3600 s × 169 evaluation periods "
        "= 608400 s, more than 604800 s"
    ]


def test_math_metric_period_is_checked_and_counts_toward_the_range() -> None:
    metrics = [
        _metric("m1", period=45),
        MetricQuery(id="e1", expression="m1", return_data=True),
    ]
    assert _messages(_math_alarm(metrics)) == [
        "alarm 'sys-dev-fn-errors': metrics[0] (id m1).period: 45 is not 10, 20, 30 or a "
        "multiple of 60"
    ]
    day = [_metric("m1", period=300), MetricQuery(id="e1", expression="m1", return_data=True)]
    assert (
        "more than 86400 s"
        in _messages(_math_alarm(day, evaluation_periods=289, datapoints_to_alarm=289))[0]
    )


def _composite(rule: str) -> CompositeAlarm:
    return CompositeAlarm(name="sys-dev-unhealthy", description="d", rule=rule)


def test_composite_rule_must_name_existing_alarms() -> None:
    issues = validate_composite(_composite('ALARM("a") OR ALARM("b")'), ["a"])
    assert [str(i) for i in issues] == [
        "composite alarm 'sys-dev-unhealthy': rule: names alarm(s) that do not exist: b"
    ]
    assert validate_composite(_composite('ALARM("a") OR ALARM("b")'), ["a", "b"]) == []


def test_composite_rule_syntax_error() -> None:
    issues = validate_composite(_composite('ALARM("a") AND'), ["a"])
    assert [i.field for i in issues] == ["rule"]
    assert "found 'end of rule' at character 15" in issues[0].message


def test_duplicate_alarm_names_are_reported_once_each() -> None:
    from dashboards.build import validate_monitoring

    issues = validate_monitoring([_alarm(), _alarm(), _alarm(name="other")], [], [])
    assert [str(i) for i in issues] == ["alarm 'sys-dev-fn-errors': name: generated more than once"]
