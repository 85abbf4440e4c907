"""What the alarm evaluator needs to know about one alarm, read from PutMetricAlarm's arguments.

The evaluator depends on this small dataclass rather than on the dashboards models, so any
producer of PutMetricAlarm keyword arguments (the generators, a CloudFormation template, moto's
DescribeAlarms) can feed it. Field names and rules are those of PutMetricAlarm
(AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html):

- a single-metric alarm names Namespace, MetricName, Dimensions, Period and Statistic (or
  ExtendedStatistic for a percentile);
- a metric-math alarm instead gives ``Metrics``: metric queries with an Id and either a MetricStat
  (Metric, Period, Stat) or an Expression; exactly one has ReturnData true, and it is what the
  alarm compares with the threshold. "Each metric must be using the same period", and an alarm's
  math may use at most 10 metrics;
- Period is 10, 20, 30 or a multiple of 60 seconds, and Period × EvaluationPeriods is at most one
  day; DatapointsToAlarm defaults to EvaluationPeriods and may not exceed it;
- at most 5 actions per state; ActionsEnabled false keeps the state changes but fires nothing.

Not supported (refused with a ValueError rather than evaluated wrongly): ThresholdMetricId
(anomaly-detection models), Metrics Insights queries. A static band is accepted as an obskit
extension: ``threshold=Band(lower, upper)`` with a band operator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dashboards.alarm_eval import STATES, TREAT_MISSING_DATA
from dashboards.alarm_eval_math import Expression, parse
from dashboards.alarm_eval_operators import Band, check_operator, did_you_mean, is_band_operator
from dashboards.alarm_eval_store import check_statistic
from dashboards.validation.alarm_limits import max_evaluation_range_s

__all__ = ["AlarmSpec", "MetricQuery", "MetricStat"]

MAX_ACTIONS_PER_STATE = 5
MAX_MATH_METRICS = 10

_PUT_METRIC_ALARM_KEYS = frozenset(
    {
        "AlarmName",
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "Tags",
        "ThresholdMetricId",
    }
)
# What DescribeAlarms returns on top of PutMetricAlarm's arguments (API_MetricAlarm.html).
_DESCRIBE_ONLY_KEYS = frozenset(
    {
        "AlarmArn",
        "AlarmConfigurationUpdatedTimestamp",
        "StateValue",
        "StateReason",
        "StateReasonData",
        "StateUpdatedTimestamp",
        "StateTransitionedTimestamp",
        "EvaluationState",
    }
)
_METRIC_QUERY_KEYS = frozenset(
    {"Id", "Expression", "MetricStat", "ReturnData", "Label", "Period", "AccountId"}
)

Dimensions = tuple[tuple[str, str], ...]


def _check_period(period: int, where: str) -> int:
    if isinstance(period, bool) or not isinstance(period, int):
        raise ValueError(f"{where}: expected an integer number of seconds, got {period!r}")
    if period not in (10, 20, 30) and (period < 60 or period % 60):
        raise ValueError(f"{where}: must be 10, 20, 30 or a multiple of 60 seconds, got {period}")
    return period


def _dimensions(raw: object, where: str) -> Dimensions:
    """PutMetricAlarm's ``[{"Name": .., "Value": ..}]`` as sorted (name, value) pairs."""
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValueError(f"{where}: expected a list of {{Name, Value}}, got {raw!r}")
    pairs = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or set(item) != {"Name", "Value"}:
            raise ValueError(f"{where}[{i}]: expected {{'Name': .., 'Value': ..}}, got {item!r}")
        pairs.append((str(item["Name"]), str(item["Value"])))
    return tuple(sorted(pairs))


@dataclass(frozen=True)
class MetricStat:
    """One metric and how to aggregate it per period (a query's ``MetricStat``)."""

    namespace: str
    metric_name: str
    period: int
    stat: str
    dimensions: Dimensions = ()

    def __post_init__(self) -> None:
        _check_period(self.period, "period")
        check_statistic(self.stat)


@dataclass(frozen=True)
class MetricQuery:
    """One entry of a metric-math alarm's ``Metrics``: a metric or an expression, by id."""

    id: str
    metric_stat: MetricStat | None = None
    expression: str | None = None
    return_data: bool = False

    def __post_init__(self) -> None:
        if not self.id or not self.id[0].islower() or not self.id.replace("_", "a").isalnum():
            raise ValueError(
                f"metrics: id {self.id!r} must start with a lowercase letter and hold only "
                "letters, digits and _"
            )
        if (self.metric_stat is None) == (self.expression is None):
            raise ValueError(f"metrics[{self.id}]: give exactly one of MetricStat and Expression")
        if self.expression is not None:
            parse(self.expression)

    @cached_property
    def parsed(self) -> Expression | None:
        """The parsed expression, or None for a metric."""
        return None if self.expression is None else parse(self.expression)


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm as the evaluator sees it: a metric (or metric math), M of N, threshold, actions."""

    name: str
    evaluation_periods: int
    threshold: float | Band
    comparison_operator: str
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: Dimensions = ()
    statistic: str | None = None
    period: int | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_enabled: bool = True
    metrics: tuple[MetricQuery, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name: an alarm needs a name")
        check_operator(self.comparison_operator)
        band_operator = is_band_operator(self.comparison_operator)
        if band_operator != isinstance(self.threshold, tuple):
            raise ValueError(
                f"threshold: {self.comparison_operator} needs "
                f"{'a band (lower, upper)' if band_operator else 'a number'}, "
                f"got {self.threshold!r}"
            )
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            raise ValueError(
                f"treat_missing_data: unknown value {self.treat_missing_data!r}"
                f"{did_you_mean(self.treat_missing_data, TREAT_MISSING_DATA)}"
            )
        n, m = self.evaluation_periods, self.required_breaches
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"evaluation_periods: must be an integer >= 1, got {n!r}")
        if not isinstance(m, int) or not 1 <= m <= n:
            raise ValueError(f"datapoints_to_alarm: must be between 1 and {n}, got {m!r}")
        for state, actions in zip(STATES, self._actions_by_state(), strict=True):
            if len(actions) > MAX_ACTIONS_PER_STATE:
                raise ValueError(
                    f"{state.lower()}_actions: at most {MAX_ACTIONS_PER_STATE} actions per state"
                )
        if self.metrics:
            self._check_math()
        else:
            self._check_single_metric()
        limit = max_evaluation_range_s(self.evaluation_period)
        if self.evaluation_period * n > limit:
            raise ValueError(
                f"evaluation_periods: period × evaluation periods must be at most "
                f"{limit} seconds, got {self.evaluation_period * n}"
            )

    def _actions_by_state(self) -> tuple[tuple[str, ...], ...]:
        return (self.ok_actions, self.alarm_actions, self.insufficient_data_actions)

    def _check_single_metric(self) -> None:
        for name in ("namespace", "metric_name", "statistic", "period"):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: a single-metric alarm needs it (or give metrics)")
        check_statistic(str(self.statistic))
        _check_period(int(self.period or 0), "period")

    def _check_math(self) -> None:
        if any(v is not None for v in (self.namespace, self.metric_name, self.statistic)):
            raise ValueError("metrics: give either a single metric or metrics, not both")
        ids = [query.id for query in self.metrics]
        if len(ids) != len(set(ids)):
            raise ValueError(f"metrics: ids must be unique, got {ids}")
        stats = [query.metric_stat for query in self.metrics if query.metric_stat is not None]
        if not stats or len(stats) > MAX_MATH_METRICS:
            raise ValueError(f"metrics: an alarm needs 1 to {MAX_MATH_METRICS} metrics")
        if len({stat.period for stat in stats}) != 1:
            raise ValueError("metrics: each metric must use the same period")
        returned = [query for query in self.metrics if query.return_data]
        if len(returned) != 1:
            raise ValueError(
                f"metrics: exactly one query must have ReturnData true, got {len(returned)}"
            )
        known = set(ids)
        for query in self.metrics:
            parsed = query.parsed
            if parsed is not None and not parsed.ids <= known:
                unknown = sorted(parsed.ids - known)
                raise ValueError(f"metrics[{query.id}]: unknown ids {unknown}")

    @property
    def required_breaches(self) -> int:
        """M: DatapointsToAlarm, which defaults to EvaluationPeriods."""
        if self.datapoints_to_alarm is None:
            return self.evaluation_periods
        return self.datapoints_to_alarm

    @property
    def evaluation_period(self) -> int:
        """The alarm's period in seconds: its own, or its math metrics' common one."""
        if self.period is not None:
            return self.period
        return next(q.metric_stat.period for q in self.metrics if q.metric_stat is not None)

    def actions_for(self, state: str) -> tuple[str, ...]:
        """The actions to fire on a transition into ``state`` (none when actions are disabled)."""
        if not self.actions_enabled:
            return ()
        return dict(zip(STATES, self._actions_by_state(), strict=True))[state]

    @classmethod
    def from_put_metric_alarm_kwargs(cls, kwargs: Mapping[str, Any]) -> AlarmSpec:
        """Read exactly what boto3's ``cloudwatch.put_metric_alarm(**kwargs)`` takes."""
        unknown = sorted(set(kwargs) - _PUT_METRIC_ALARM_KEYS)
        if unknown:
            raise ValueError(
                f"kwargs: {unknown[0]!r} is not a PutMetricAlarm argument"
                f"{did_you_mean(unknown[0], tuple(_PUT_METRIC_ALARM_KEYS))}"
            )
        if kwargs.get("ThresholdMetricId") is not None:
            raise ValueError("ThresholdMetricId: anomaly-detection alarms are not evaluated")
        for required in ("AlarmName", "EvaluationPeriods", "ComparisonOperator"):
            if required not in kwargs:
                raise ValueError(f"{required}: PutMetricAlarm requires it")
        if "Threshold" not in kwargs:
            raise ValueError("Threshold: required for an alarm without ThresholdMetricId")
        if kwargs.get("Statistic") and kwargs.get("ExtendedStatistic"):
            raise ValueError("Statistic: give Statistic or ExtendedStatistic, not both")
        statistic = kwargs.get("Statistic") or kwargs.get("ExtendedStatistic")
        return cls(
            name=str(kwargs["AlarmName"]),
            evaluation_periods=kwargs["EvaluationPeriods"],
            datapoints_to_alarm=kwargs.get("DatapointsToAlarm"),
            threshold=float(kwargs["Threshold"]),
            comparison_operator=str(kwargs["ComparisonOperator"]),
            namespace=kwargs.get("Namespace"),
            metric_name=kwargs.get("MetricName"),
            dimensions=_dimensions(kwargs.get("Dimensions"), "Dimensions"),
            statistic=statistic,
            period=kwargs.get("Period"),
            treat_missing_data=kwargs.get("TreatMissingData", "missing"),
            alarm_actions=tuple(kwargs.get("AlarmActions", ())),
            ok_actions=tuple(kwargs.get("OKActions", ())),
            insufficient_data_actions=tuple(kwargs.get("InsufficientDataActions", ())),
            actions_enabled=bool(kwargs.get("ActionsEnabled", True)),
            metrics=tuple(_metric_query(q, i) for i, q in enumerate(kwargs.get("Metrics") or ())),
        )

    @classmethod
    def from_describe_alarms_entry(cls, entry: Mapping[str, Any]) -> AlarmSpec:
        """Read one ``MetricAlarms`` entry of DescribeAlarms (its state fields are dropped)."""
        kwargs = {k: v for k, v in entry.items() if k not in _DESCRIBE_ONLY_KEYS}
        if not kwargs.get("Dimensions"):
            kwargs.pop("Dimensions", None)
        for key in ("Statistic", "ExtendedStatistic", "Metrics", "ThresholdMetricId"):
            if not kwargs.get(key):
                kwargs.pop(key, None)
        return cls.from_put_metric_alarm_kwargs(kwargs)


def _metric_query(raw: object, index: int) -> MetricQuery:
    where = f"Metrics[{index}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {raw!r}")
    unknown = sorted(set(raw) - _METRIC_QUERY_KEYS)
    if unknown:
        raise ValueError(f"{where}: {unknown[0]!r} is not a MetricDataQuery field")
    if "Id" not in raw:
        raise ValueError(f"{where}: Id is required")
    stat = raw.get("MetricStat")
    metric_stat = None
    if stat is not None:
        metric = stat.get("Metric") or {}
        try:
            metric_stat = MetricStat(
                namespace=str(metric["Namespace"]),
                metric_name=str(metric["MetricName"]),
                dimensions=_dimensions(metric.get("Dimensions"), f"{where}.MetricStat.Dimensions"),
                period=stat["Period"],
                stat=str(stat["Stat"]),
            )
        except KeyError as missing:
            raise ValueError(f"{where}.MetricStat: {missing.args[0]} is required") from None
    return MetricQuery(
        id=str(raw["Id"]),
        metric_stat=metric_stat,
        expression=raw.get("Expression"),
        return_data=bool(raw.get("ReturnData", stat is None)),
    )
