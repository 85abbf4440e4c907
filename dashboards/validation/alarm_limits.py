"""AWS's limits and rules for metric and composite alarms, checked before anything ships.

From the PutMetricAlarm / PutCompositeAlarm API reference: period 10, 20, 30 or a multiple of 60;
period × evaluation periods ≤ 7 days, and ≤ 1 day for periods under an hour; 1 ≤ datapoints to alarm ≤ evaluation periods; at most 5
actions per state; a metric-math alarm has at most 10 metrics, exactly one entry returning data,
ids unique, expressions that parse and only read ids that exist; a composite rule that parses,
≤ 10,240 characters, naming only alarms that exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboards.alarm_model import Alarm, CompositeAlarm
from dashboards.validation.composite_rule import RuleSyntaxError, referenced_alarms
from dashboards.validation.issues import Issue
from dashboards.validation.metric_math import MathSyntaxError, referenced_ids

MAX_EVALUATION_RANGE_S = 7 * 86400
MAX_SHORT_PERIOD_RANGE_S = 86400
MAX_ACTIONS_PER_STATE = 5
MAX_MATH_METRICS = 10
MAX_NAME_CHARS = 255
MAX_DESCRIPTION_CHARS = 1024


def max_evaluation_range_s(period: int) -> int:
    """How far back an alarm with ``period`` may look: "no longer than seven days ... For alarms
    with a period of less than one hour (3,600 seconds), the total evaluation period can't be
    longer than one day" (``EvaluationPeriods`` and ``Period`` in
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)."""
    return MAX_EVALUATION_RANGE_S if period >= 3600 else MAX_SHORT_PERIOD_RANGE_S


def period_is_valid(period: int) -> bool:
    return period in (10, 20, 30) or (period > 0 and period % 60 == 0)


def _period_issue(where: str, field: str, period: int | None) -> list[Issue]:
    if period is None:
        return [Issue(where, field, "a period is required")]
    if not period_is_valid(period):
        return [Issue(where, field, f"{period} is not 10, 20, 30 or a multiple of 60")]
    return []


def _actions_issues(where: str, alarm: Alarm | CompositeAlarm) -> list[Issue]:
    issues = []
    for field in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
        actions: list[str] = getattr(alarm, field)
        if len(actions) > MAX_ACTIONS_PER_STATE:
            issues.append(
                Issue(where, field, f"{len(actions)} actions, at most {MAX_ACTIONS_PER_STATE}")
            )
    return issues


def _common_issues(where: str, alarm: Alarm | CompositeAlarm) -> list[Issue]:
    issues = _actions_issues(where, alarm)
    if not 1 <= len(alarm.name) <= MAX_NAME_CHARS:
        issues.append(Issue(where, "name", f"must be 1-{MAX_NAME_CHARS} characters"))
    if len(alarm.description) > MAX_DESCRIPTION_CHARS:
        issues.append(Issue(where, "description", f"{len(alarm.description)} chars, at most 1024"))
    return issues


def _math_issues(where: str, alarm: Alarm) -> list[Issue]:
    issues: list[Issue] = []
    if alarm.metric_name or alarm.namespace or alarm.statistic or alarm.period:
        issues.append(
            Issue(
                where,
                "metrics",
                "a metric-math alarm cannot also set metric_name/namespace/statistic/period",
            )
        )
    if len(alarm.metrics) > MAX_MATH_METRICS:
        issues.append(
            Issue(where, "metrics", f"{len(alarm.metrics)} entries, at most {MAX_MATH_METRICS}")
        )
    ids = [q.id for q in alarm.metrics]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        issues.append(Issue(where, "metrics", f"duplicate ids: {', '.join(duplicates)}"))
    returning = [q.id for q in alarm.metrics if q.return_data]
    if len(returning) != 1:
        issues.append(
            Issue(where, "metrics", f"exactly one entry must return data, found {len(returning)}")
        )
    for index, query in enumerate(alarm.metrics):
        field = f"metrics[{index}] (id {query.id})"
        if (query.expression is None) == (query.metric is None):
            issues.append(Issue(where, field, "needs exactly one of expression or metric"))
            continue
        if query.metric is not None:
            if not query.stat:
                issues.append(Issue(where, f"{field}.stat", "a metric entry needs a stat"))
            issues.extend(_period_issue(where, f"{field}.period", query.period))
            continue
        assert query.expression is not None
        try:
            used = referenced_ids(query.expression)
        except MathSyntaxError as exc:
            issues.append(Issue(where, f"{field}.expression", f"{query.expression!r}: {exc}"))
            continue
        unknown = sorted(used - set(ids))
        if unknown:
            issues.append(
                Issue(where, f"{field}.expression", f"reads unknown id(s) {', '.join(unknown)}")
            )
        if query.id in used:
            issues.append(Issue(where, f"{field}.expression", "reads its own id"))
    return issues


def validate_alarm(alarm: Alarm) -> list[Issue]:
    where = f"alarm '{alarm.name}'"
    issues = _common_issues(where, alarm)
    if alarm.is_math:
        issues.extend(_math_issues(where, alarm))
        periods = [q.period for q in alarm.metrics if q.metric is not None and q.period]
        period = max(periods) if periods else None
    else:
        for field in ("namespace", "metric_name", "statistic"):
            if not getattr(alarm, field):
                issues.append(Issue(where, field, "required for a metric alarm"))
        issues.extend(_period_issue(where, "period", alarm.period))
        period = alarm.period
    if alarm.evaluation_periods < 1:
        issues.append(Issue(where, "evaluation_periods", "must be at least 1"))
    if not 1 <= alarm.datapoints_to_alarm <= max(alarm.evaluation_periods, 1):
        issues.append(
            Issue(
                where,
                "datapoints_to_alarm",
                f"{alarm.datapoints_to_alarm} must be between 1 and evaluation_periods "
                f"({alarm.evaluation_periods})",
            )
        )
    limit = max_evaluation_range_s(period or 0)
    if period and period * alarm.evaluation_periods > limit:
        issues.append(
            Issue(
                where,
                "evaluation_periods",
                f"period {period} s × {alarm.evaluation_periods} evaluation periods = "
                f"{period * alarm.evaluation_periods} s, more than {limit} s",
            )
        )
    return issues


def validate_composite(alarm: CompositeAlarm, known_alarms: Iterable[str]) -> list[Issue]:
    where = f"composite alarm '{alarm.name}'"
    issues = _common_issues(where, alarm)
    try:
        names = referenced_alarms(alarm.rule)
    except RuleSyntaxError as exc:
        return [*issues, Issue(where, "rule", f"{alarm.rule!r}: {exc}")]
    known = set(known_alarms)
    missing = [n for n in names if n not in known]
    if missing:
        issues.append(
            Issue(where, "rule", f"names alarm(s) that do not exist: {', '.join(missing)}")
        )
    if alarm.name in names:
        issues.append(Issue(where, "rule", "names itself"))
    return issues
