"""State reasons worded like CloudWatch's, so a drill's alarm history reads like the console's.

CloudWatch's reasons look like "Threshold Crossed: 1 out of the last 1 datapoints
[6.04 (15/08/18 21:15:00)] was less than or equal to the threshold (70.0) (minimum 1 datapoint
for OK -> ALARM transition)." (the StateReason of DescribeAlarmHistory / SNS notifications,
AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). Datapoints are listed newest first
with the start of their period, formatted dd/mm/yy HH:MM:SS in UTC. The exact text is AWS's
business and not a contract; obskit keeps its shape: what crossed, how many of how many, the
threshold, and how missing periods were treated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dashboards.alarm_eval import ALARM, INSUFFICIENT_DATA, Decision, EvaluatedPoint
from dashboards.alarm_eval_operators import OPERATOR_PHRASES, Band

_FILL_WORDS = {"breaching": "Breaching", "notBreaching": "NonBreaching"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _number(value: float) -> str:
    return repr(float(value))


def _threshold(threshold: float | Band) -> str:
    if isinstance(threshold, tuple):
        return f"({_number(threshold.lower)}, {_number(threshold.upper)})"
    return f"({_number(threshold)})"


def format_datapoints(points: list[EvaluatedPoint], period_start: Callable[[int], datetime]) -> str:
    """``[v (dd/mm/yy HH:MM:SS), ...]``, newest first, real datapoints only."""
    real = [p for p in sorted(points, key=lambda p: -p.index) if p.value is not None]
    shown = ", ".join(
        f"{_number(p.value or 0.0)} ({period_start(p.index).astimezone(UTC):%d/%m/%y %H:%M:%S})"
        for p in real
    )
    return f"[{shown}]"


def state_reason(
    decision: Decision,
    *,
    old_state: str,
    comparison_operator: str,
    threshold: float | Band,
    period_start: Callable[[int], datetime],
) -> str:
    """The reason for moving from ``old_state`` to ``decision.state``."""
    n, m = decision.evaluation_periods, decision.datapoints_to_alarm
    points = list(decision.evaluated)
    filled = decision.filled
    if decision.state == INSUFFICIENT_DATA:
        return f"Insufficient Data: {_plural(filled, 'datapoint')} {_was(filled)} unknown."
    fill_word = _FILL_WORDS.get(decision.treat_missing_data)
    if filled == n and fill_word:
        return (
            f"Threshold Crossed: no datapoints were received for {_plural(n, 'period')} and "
            f"{filled} missing {'datapoint' if filled == 1 else 'datapoints'} "
            f"{_was(filled)} treated as [{fill_word}]."
        )
    phrase = OPERATOR_PHRASES[comparison_operator]
    shown = format_datapoints(points, period_start)
    limit = _threshold(threshold)
    fills = ""
    if filled and fill_word:
        fills = (
            f" and {_plural(filled, 'missing datapoint')} {_was(filled)} treated as [{fill_word}]"
        )
    if decision.state == ALARM:
        crossed = sum(1 for p in points if p.breaching and p.value is not None)
        return (
            f"Threshold Crossed: {crossed} out of the last {n} datapoints {shown} "
            f"{_was(crossed)} {phrase} the threshold {limit}{fills} "
            f"(minimum {_plural(m, 'datapoint')} for {old_state} -> {ALARM} transition)."
        )
    within = sum(1 for p in points if not p.breaching and p.value is not None)
    return (
        f"Threshold Crossed: {within} out of the last {n} datapoints {shown} "
        f"{_was(within)} not {phrase} the threshold {limit}{fills} "
        f"(minimum {_plural(n - m + 1, 'datapoint')} for {old_state} -> {decision.state} "
        "transition)."
    )
