"""Alarm descriptions: the fault in words, the exact condition, and the runbook section.

The condition is written from the alarm's final fields (after catalog overrides), so the text an
operator reads in the page always matches what the alarm really checks.
"""

from __future__ import annotations

from dashboards.alarm_model import Alarm
from dashboards.naming import runbook_link

_OPERATORS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "below the band",
    "GreaterThanUpperThreshold": "above the band",
}


def condition(alarm: Alarm) -> str:
    """E.g. ``ALARM when Sum of Errors > 0 for 3 of 3 periods of 60 s (missing data: missing).``"""
    if alarm.is_math:
        returned = next((q for q in alarm.metrics if q.return_data), None)
        what = f"{returned.expression}" if returned and returned.expression else "the expression"
        periods = [q.period for q in alarm.metrics if q.period]
        period = max(periods) if periods else None
    else:
        what = f"{alarm.statistic} of {alarm.metric_name}"
        period = alarm.period
    op = _OPERATORS.get(alarm.comparison_operator, alarm.comparison_operator)
    return (
        f"ALARM when {what} {op} {alarm.threshold:g} for {alarm.datapoints_to_alarm} of "
        f"{alarm.evaluation_periods} periods of {period} s (missing data: "
        f"{alarm.treat_missing_data})."
    )


def describe(summary: str, condition_text: str, runbook_url: str, name: str) -> str:
    parts = [p for p in (summary.strip(), condition_text.strip()) if p]
    parts.append(f"Runbook: {runbook_link(runbook_url, name)}")
    return " ".join(parts)


def with_description(alarm: Alarm, runbook_url: str) -> Alarm:
    """``alarm`` with its description rewritten from its summary and its final condition."""
    text = describe(alarm.summary, condition(alarm), runbook_url, alarm.name)
    return alarm.model_copy(update={"description": text})
