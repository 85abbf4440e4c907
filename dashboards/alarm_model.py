"""Alarm definitions: everything ``put_metric_alarm`` / ``put_composite_alarm`` take, in one typed form.

The same objects feed CloudFormation, the boto3 payloads, the deploy diff and the alarm evaluator
(which reads namespace, metric, dimensions, statistic, period, threshold, comparison, evaluation
periods, datapoints to alarm, treat-missing-data and metric math straight from here). Field names
are snake_case because they are what a catalog's ``alarm_overrides`` writes. AWS limits are not
enforced by the model but by ``dashboards.validation`` so that every violation is reported with the
alarm and field it concerns, all at once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ComparisonOperator = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
]
TreatMissingData = Literal["breaching", "notBreaching", "ignore", "missing"]

SIMPLE_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricRef(_Model):
    """One CloudWatch metric: namespace, name and dimensions (name → value)."""

    namespace: str
    metric_name: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class MetricQuery(_Model):
    """One entry of a metric-math alarm: either a metric with a stat, or an expression."""

    id: str
    metric: MetricRef | None = None
    stat: str | None = None
    period: int | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = False


class Alarm(_Model):
    """A metric alarm (``metric_name`` set) or a metric-math alarm (``metrics`` set)."""

    name: str
    description: str
    summary: str = Field(
        default="", description="The fault in one sentence; the description adds the condition."
    )
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    statistic: str | None = Field(
        default=None,
        description="Sum, Average, Minimum, Maximum, SampleCount or a percentile (p90).",
    )
    period: int | None = None
    unit: str | None = None
    metrics: list[MetricQuery] = Field(default_factory=list)
    threshold: float
    comparison_operator: ComparisonOperator
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: TreatMissingData = "missing"
    evaluate_low_sample_count_percentile: Literal["evaluate", "ignore"] | None = Field(
        default=None, description="For percentile statistics only (AWS default: evaluate)."
    )
    actions_enabled: bool = True
    alarm_actions: list[str] = Field(default_factory=list)
    ok_actions: list[str] = Field(default_factory=list)
    insufficient_data_actions: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def is_math(self) -> bool:
        return bool(self.metrics)


class CompositeAlarm(_Model):
    """An alarm whose state is a rule over other alarms' states."""

    name: str
    description: str
    rule: str
    actions_enabled: bool = True
    alarm_actions: list[str] = Field(default_factory=list)
    ok_actions: list[str] = Field(default_factory=list)
    insufficient_data_actions: list[str] = Field(default_factory=list)
