"""AWS's recommended alarms, embedded as typed data.

Source: AWS's "Recommended alarms" documentation for Lambda, SQS, SNS and EventBridge Scheduler,
as tabulated in ``specs/aws-recommended-alarms.csv`` of the shared specs. The package must not read
that file at run time, so the rows live here; ``tests/dashboards/test_dash_recommended.py`` checks
this copy against the CSV row by row. ``threshold`` is ``None`` where AWS says "(user)": the facade
that uses the row chooses and justifies the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.alarm_model import ComparisonOperator, TreatMissingData


@dataclass(frozen=True)
class RecommendedAlarm:
    """One row of AWS's recommended alarms table."""

    namespace: str
    metric: str
    dimensions: tuple[str, ...]
    statistic: str
    threshold: float | None
    period: int
    datapoints_to_alarm: int
    evaluation_periods: int
    comparison_operator: ComparisonOperator
    treat_missing_data: TreatMissingData


def _r(
    namespace: str,
    metric: str,
    dimensions: str,
    statistic: str,
    threshold: float | None,
    period: int,
    datapoints: int,
    evaluation: int,
    comparison: ComparisonOperator,
    missing: TreatMissingData,
) -> RecommendedAlarm:
    dims = tuple(d for d in dimensions.split(";") if d)
    return RecommendedAlarm(
        namespace,
        metric,
        dims,
        statistic,
        threshold,
        period,
        datapoints,
        evaluation,
        comparison,
        missing,
    )


_GT: ComparisonOperator = "GreaterThanThreshold"
_GE: ComparisonOperator = "GreaterThanOrEqualToThreshold"
_LT: ComparisonOperator = "LessThanThreshold"
_LE: ComparisonOperator = "LessThanOrEqualToThreshold"

RECOMMENDED_ALARMS: tuple[RecommendedAlarm, ...] = (
    _r("AWS/Lambda", "Errors", "FunctionName", "Sum", None, 60, 3, 3, _GT, "missing"),
    _r("AWS/Lambda", "Throttles", "FunctionName", "Sum", None, 60, 5, 5, _GE, "missing"),
    _r("AWS/Lambda", "Duration", "FunctionName", "p90", None, 60, 15, 15, _GT, "missing"),
    _r(
        "AWS/Lambda",
        "ConcurrentExecutions",
        "FunctionName",
        "Maximum",
        None,
        60,
        10,
        10,
        _GT,
        "missing",
    ),
    _r(
        "AWS/Lambda",
        "ClaimedAccountConcurrency",
        "",
        "Maximum",
        None,
        60,
        10,
        10,
        _GT,
        "notBreaching",
    ),
    _r(
        "LambdaInsights",
        "memory_utilization",
        "function_name",
        "Average",
        90.0,
        60,
        10,
        10,
        _GT,
        "missing",
    ),
    _r(
        "AWS/Scheduler",
        "TargetErrorThrottledCount",
        "",
        "Sum",
        0.0,
        60,
        15,
        15,
        _GT,
        "notBreaching",
    ),
    _r("AWS/Scheduler", "InvocationThrottleCount", "", "Sum", 0.0, 60, 15, 15, _GT, "notBreaching"),
    _r("AWS/Scheduler", "InvocationDroppedCount", "", "Sum", 0.0, 60, 1, 1, _GT, "notBreaching"),
    _r(
        "AWS/Scheduler",
        "InvocationsFailedToBeSentToDeadLetterCount",
        "",
        "Sum",
        0.0,
        60,
        15,
        15,
        _GT,
        "notBreaching",
    ),
    _r(
        "AWS/SNS", "NumberOfMessagesPublished", "TopicName", "Sum", None, 60, 5, 5, _LT, "breaching"
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsDelivered",
        "TopicName",
        "Sum",
        None,
        60,
        5,
        5,
        _LT,
        "breaching",
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsFailed",
        "TopicName",
        "Sum",
        None,
        60,
        5,
        5,
        _GT,
        "notBreaching",
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsFilteredOut-InvalidAttributes",
        "TopicName",
        "Sum",
        0.0,
        60,
        5,
        5,
        _GT,
        "notBreaching",
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsFilteredOut-InvalidMessageBody",
        "TopicName",
        "Sum",
        0.0,
        60,
        5,
        5,
        _GT,
        "notBreaching",
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsRedrivenToDlq",
        "TopicName",
        "Sum",
        0.0,
        60,
        5,
        5,
        _GT,
        "notBreaching",
    ),
    _r(
        "AWS/SNS",
        "NumberOfNotificationsFailedToRedriveToDlq",
        "TopicName",
        "Sum",
        0.0,
        60,
        5,
        5,
        _GT,
        "notBreaching",
    ),
    _r("AWS/SNS", "SMSMonthToDateSpentUSD", "TopicName", "Maximum", None, 60, 5, 5, _GT, "missing"),
    _r("AWS/SNS", "SMSSuccessRate", "TopicName", "Average", None, 60, 5, 5, _GT, "notBreaching"),
    _r(
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "QueueName",
        "Maximum",
        None,
        60,
        15,
        15,
        _GE,
        "missing",
    ),
    _r(
        "AWS/SQS",
        "ApproximateNumberOfMessagesNotVisible",
        "QueueName",
        "Average",
        None,
        60,
        15,
        15,
        _GE,
        "missing",
    ),
    _r(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        "Average",
        None,
        60,
        15,
        15,
        _GE,
        "missing",
    ),
    _r("AWS/SQS", "NumberOfMessagesSent", "QueueName", "Sum", 0.0, 60, 15, 15, _LE, "missing"),
)


def recommended(namespace: str, metric: str) -> RecommendedAlarm:
    """AWS's recommended settings for one metric; KeyError names the metric when there are none."""
    for row in RECOMMENDED_ALARMS:
        if row.namespace == namespace and row.metric == metric:
            return row
    raise KeyError(f"AWS recommends no alarm for {namespace} {metric}")
