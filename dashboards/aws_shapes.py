"""Alarms and metric filters in AWS's own shapes: ``put_metric_alarm`` / ``put_composite_alarm``
/ ``put_metric_filter`` kwargs and the properties of ``AWS::CloudWatch::Alarm`` /
``AWS::CloudWatch::CompositeAlarm`` / ``AWS::Logs::MetricFilter``.

For alarms the API and CloudFormation spell the fields the same way (PascalCase), so one function
builds both; CloudFormation only drops the empty lists. A metric filter is built once, in
PutMetricFilter's shape (camelCase), and its CloudFormation properties are derived from that
field by field. Placeholders (``${AWS::AccountId}``) are left for the
CloudFormation writer (Fn::Sub) and deploy (resolved from STS) to fill. Note: cfn-lint rejects
``Period: 20`` (E3615) although AWS accepts 10, 20 and 30; no facade emits 20 by default.
"""

from __future__ import annotations

from typing import Any

from dashboards.alarm_model import SIMPLE_STATISTICS, Alarm, CompositeAlarm, MetricQuery
from dashboards.metric_filter_model import MetricFilter


def _dimensions(dimensions: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in sorted(dimensions.items())]


def _threshold(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _metric_query(query: MetricQuery) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query.id, "ReturnData": query.return_data}
    if query.label:
        out["Label"] = query.label
    if query.expression is not None:
        out["Expression"] = query.expression
        if query.period is not None:
            out["Period"] = query.period
    elif query.metric is not None:
        out["MetricStat"] = {
            "Metric": {
                "Dimensions": _dimensions(query.metric.dimensions),
                "MetricName": query.metric.metric_name,
                "Namespace": query.metric.namespace,
            },
            "Period": query.period,
            "Stat": query.stat,
        }
    return out


def put_metric_alarm_kwargs(alarm: Alarm) -> dict[str, Any]:
    """What ``cloudwatch.put_metric_alarm(**kwargs)`` takes (placeholders still unresolved)."""
    kwargs: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": list(alarm.alarm_actions),
        "OKActions": list(alarm.ok_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": _threshold(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator,
        "TreatMissingData": alarm.treat_missing_data,
    }
    if alarm.is_math:
        kwargs["Metrics"] = [_metric_query(q) for q in alarm.metrics]
    else:
        kwargs["Namespace"] = alarm.namespace
        kwargs["MetricName"] = alarm.metric_name
        kwargs["Dimensions"] = _dimensions(alarm.dimensions)
        kwargs["Period"] = alarm.period
        if alarm.statistic in SIMPLE_STATISTICS:
            kwargs["Statistic"] = alarm.statistic
        else:
            kwargs["ExtendedStatistic"] = alarm.statistic
    if alarm.unit:
        kwargs["Unit"] = alarm.unit
    if alarm.evaluate_low_sample_count_percentile:
        kwargs["EvaluateLowSampleCountPercentile"] = alarm.evaluate_low_sample_count_percentile
    if alarm.tags:
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(alarm.tags.items())]
    return kwargs


def put_composite_alarm_kwargs(alarm: CompositeAlarm) -> dict[str, Any]:
    """What ``cloudwatch.put_composite_alarm(**kwargs)`` takes."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AlarmRule": alarm.rule,
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": list(alarm.alarm_actions),
        "OKActions": list(alarm.ok_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
    }


def cfn_alarm_properties(alarm: Alarm) -> dict[str, Any]:
    """``AWS::CloudWatch::Alarm`` properties: the API kwargs minus empty lists CFN need not see."""
    return {k: v for k, v in put_metric_alarm_kwargs(alarm).items() if v != []}


def cfn_composite_properties(alarm: CompositeAlarm) -> dict[str, Any]:
    return {k: v for k, v in put_composite_alarm_kwargs(alarm).items() if v != []}


_FILTER_FIELDS = (
    ("filterName", "FilterName"),
    ("filterPattern", "FilterPattern"),
    ("logGroupName", "LogGroupName"),
    ("metricTransformations", "MetricTransformations"),
)
_TRANSFORMATION_FIELDS = (
    ("metricName", "MetricName"),
    ("metricNamespace", "MetricNamespace"),
    ("metricValue", "MetricValue"),
    ("unit", "Unit"),
    ("dimensions", "Dimensions"),
    ("defaultValue", "DefaultValue"),
)
"""PutMetricFilter's field → the ``AWS::Logs::MetricFilter`` property that carries it: the API
spells them camelCase, CloudFormation PascalCase, and CloudFormation takes the dimensions map as
a list of ``{Key, Value}`` (CloudWatch Logs API Reference, PutMetricFilter and
MetricTransformation, https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html;
CloudFormation, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-metricfilter.html)."""


def put_metric_filter_kwargs(metric_filter: MetricFilter) -> dict[str, Any]:
    """What ``logs.put_metric_filter(**kwargs)`` takes: the one shape the filter is built in;
    :func:`cfn_metric_filter_properties` is derived from it, so the two cannot drift apart."""
    transformation: dict[str, Any] = {
        "metricName": metric_filter.metric_name,
        "metricNamespace": metric_filter.metric_namespace,
        "metricValue": metric_filter.metric_value,
    }
    if metric_filter.unit:
        transformation["unit"] = metric_filter.unit
    if metric_filter.dimensions:
        transformation["dimensions"] = dict(sorted(metric_filter.dimensions.items()))
    if metric_filter.default_value is not None:
        transformation["defaultValue"] = metric_filter.default_value
    return {
        "logGroupName": metric_filter.log_group,
        "filterName": metric_filter.name,
        "filterPattern": metric_filter.pattern,
        "metricTransformations": [transformation],
    }


def _cfn_transformation(transformation: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for api, cfn in _TRANSFORMATION_FIELDS:
        if api not in transformation:
            continue
        value = transformation[api]
        if api == "dimensions":
            value = [{"Key": k, "Value": v} for k, v in value.items()]
        out[cfn] = value
    unknown = set(transformation) - {api for api, _ in _TRANSFORMATION_FIELDS}
    if unknown:
        raise ValueError(f"metric transformation field(s) without a CloudFormation name: {unknown}")
    return out


def cfn_metric_filter_properties(metric_filter: MetricFilter) -> dict[str, Any]:
    """``AWS::Logs::MetricFilter`` properties, derived field by field from the API shape."""
    kwargs = put_metric_filter_kwargs(metric_filter)
    unknown = set(kwargs) - {api for api, _ in _FILTER_FIELDS}
    if unknown:
        raise ValueError(f"metric filter field(s) without a CloudFormation name: {unknown}")
    out: dict[str, Any] = {}
    for api, cfn in _FILTER_FIELDS:
        value = kwargs[api]
        if api == "metricTransformations":
            value = [_cfn_transformation(t) for t in value]
        out[cfn] = value
    return out
