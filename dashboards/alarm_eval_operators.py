"""CloudWatch alarm comparison operators: which datapoint breaches a threshold or a band.

The operator names are the ``ComparisonOperator`` values of PutMetricAlarm
(AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html). The statistic is the first
operand ("the specified statistic value is used as the first operand"), so
``GreaterThanThreshold`` breaches when ``value > threshold``.

The three band operators are those of anomaly-detection alarms
(AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html): the threshold there is
not a number but the band an ``ANOMALY_DETECTION_BAND`` expression draws, one (lower, upper)
pair per period. ``LessThanLowerOrGreaterThanUpperThreshold`` breaches outside the band,
``LessThanLowerThreshold`` below it and ``GreaterThanUpperThreshold`` above it; a value on an
edge is inside.
"""

from __future__ import annotations

import difflib
import math
from typing import NamedTuple


class Band(NamedTuple):
    """One period's band of an anomaly-detection alarm: the lower and the upper threshold."""

    lower: float
    upper: float


SCALAR_OPERATORS: frozenset[str] = frozenset(
    {
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    }
)
BAND_OPERATORS: frozenset[str] = frozenset(
    {
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    }
)
ALL_OPERATORS: frozenset[str] = SCALAR_OPERATORS | BAND_OPERATORS

# How AWS words each operator in an alarm's state reason ("... were greater than the threshold").
OPERATOR_PHRASES: dict[str, str] = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "less than the lower threshold of the band",
    "GreaterThanUpperThreshold": "greater than the upper threshold of the band",
}


def did_you_mean(value: str, choices: frozenset[str] | tuple[str, ...]) -> str:
    """A " (did you mean 'X'?)" suffix for an error message, or "" when nothing is close."""
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_operator(comparison_operator: str) -> str:
    """Return ``comparison_operator`` if AWS knows it; else raise ValueError naming the argument."""
    if comparison_operator not in ALL_OPERATORS:
        raise ValueError(
            f"comparison_operator: unknown operator {comparison_operator!r}"
            f"{did_you_mean(str(comparison_operator), ALL_OPERATORS)}; "
            f"expected one of {', '.join(sorted(ALL_OPERATORS))}"
        )
    return comparison_operator


def is_band_operator(comparison_operator: str) -> bool:
    """Whether the operator compares against a (lower, upper) band instead of a number."""
    return comparison_operator in BAND_OPERATORS


def breaches(comparison_operator: str, value: float, threshold: float | Band) -> bool:
    """Whether one real datapoint breaches: the operator applied to (value, threshold).

    ``threshold`` is a number for the four scalar operators and a :class:`Band` for the three
    band operators; the caller has already checked which one it holds.
    """
    if isinstance(threshold, tuple):
        lower, upper = threshold
        if comparison_operator == "LessThanLowerOrGreaterThanUpperThreshold":
            return value < lower or value > upper
        if comparison_operator == "LessThanLowerThreshold":
            return value < lower
        if comparison_operator == "GreaterThanUpperThreshold":
            return value > upper
        raise ValueError(f"threshold: {comparison_operator} takes a number, not a band")
    if comparison_operator == "GreaterThanOrEqualToThreshold":
        return value >= threshold
    if comparison_operator == "GreaterThanThreshold":
        return value > threshold
    if comparison_operator == "LessThanThreshold":
        return value < threshold
    if comparison_operator == "LessThanOrEqualToThreshold":
        return value <= threshold
    raise ValueError(f"threshold: {comparison_operator} takes a band (lower, upper), not a number")


def is_real(value: float | None) -> bool:
    """Whether a datapoint exists: ``None`` is a missing period, and so is NaN.

    PutMetricData rejects NaN and infinities (API_MetricDatum.html), so CloudWatch never holds a
    NaN datapoint; a NaN that reaches the evaluator (say, 0/0 in local math) counts as missing.
    """
    return value is not None and not math.isnan(value)
