"""Where the alarm evaluator reads metrics from: a small protocol and an in-memory store of raw
samples, with CloudWatch's statistics computed per period.

A metric is identified by namespace, name and the exact set of dimensions: "CloudWatch treats each
unique combination of dimensions as a separate metric" (AmazonCloudWatch/latest/monitoring/
cloudwatch_concepts.html#Dimension). A period's datapoint aggregates the samples whose timestamp
falls in [start, end). A sample may carry the moment it becomes visible (``visible_at``: its
timestamp plus the ingestion delay of :mod:`dashboards.alarm_eval_timing`); a read ``as_of`` a
moment sees only the samples visible by then, as an alarm evaluated at that moment would.
Statistics (cloudwatch_concepts.html#Statistic and
Statistics-definitions.html): Sum, Average, Minimum, Maximum, SampleCount, and percentiles ``pNN``
or ``pNN.NN`` (0 to 100). CloudWatch computes percentiles from an approximate distribution; this
store uses the nearest-rank percentile of the raw samples, which is exact on small samples and what
a test can predict.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from dashboards.alarm_eval_operators import did_you_mean

BASIC_STATISTICS: tuple[str, ...] = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d+)?)$")

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


class MetricStore(Protocol):
    """What the evaluator needs: store samples, and one statistic over one window."""

    def put(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        timestamp: datetime,
        value: float,
        *,
        visible_at: datetime | None = None,
    ) -> None:
        """Record one raw sample (visible from ``visible_at``, by default its timestamp)."""

    def statistic(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        start: datetime,
        end: datetime,
        stat: str,
        *,
        as_of: datetime | None = None,
    ) -> float | None:
        """The statistic over the samples in [start, end) visible ``as_of`` (None: all), or
        None when there are none."""


def check_statistic(stat: str) -> str:
    """Return ``stat`` if it is a statistic this module computes; else raise ValueError."""
    match = _PERCENTILE.match(stat)
    if stat in BASIC_STATISTICS or (match and 0.0 <= float(match.group(1)) <= 100.0):
        return stat
    raise ValueError(
        f"statistic: unknown statistic {stat!r}{did_you_mean(stat, BASIC_STATISTICS)}; "
        f"expected one of {', '.join(BASIC_STATISTICS)} or a percentile such as p99 or p99.9"
    )


def compute_statistic(values: Sequence[float], stat: str) -> float | None:
    """One CloudWatch statistic of raw samples; None for no samples (a missing datapoint)."""
    check_statistic(stat)
    if not values:
        return None
    if stat == "Sum":
        return math.fsum(values)
    if stat == "Average":
        return math.fsum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "Maximum":
        return max(values)
    if stat == "SampleCount":
        return float(len(values))
    percentile = float(stat[1:])
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100.0 * len(ordered)))
    return ordered[rank - 1]


def epoch_seconds(moment: datetime, what: str = "timestamp") -> float:
    """Seconds since the epoch of an aware datetime; naive ones are ambiguous and refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what}: needs a timezone-aware datetime (UTC), got {moment!r}")
    return moment.timestamp()


def metric_key(namespace: str, name: str, dimensions: Mapping[str, str]) -> MetricKey:
    """The identity of a metric: namespace, name and the exact set of dimensions."""
    return (namespace, name, frozenset(dimensions.items()))


class InMemoryMetricStore:
    """Raw samples per metric, kept sorted by time, with statistics over any window."""

    def __init__(self) -> None:
        self._times: dict[MetricKey, list[float]] = {}
        self._values: dict[MetricKey, list[float]] = {}
        self._visible: dict[MetricKey, list[float]] = {}

    def put(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        timestamp: datetime,
        value: float,
        *,
        visible_at: datetime | None = None,
    ) -> None:
        """Record one sample (any order of timestamps), visible from ``visible_at`` (default:
        its timestamp; never before it)."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"value: expected a finite number, got {value!r}")
        key = metric_key(namespace, name, dimensions)
        times = self._times.setdefault(key, [])
        values = self._values.setdefault(key, [])
        visible = self._visible.setdefault(key, [])
        at = epoch_seconds(timestamp)
        seen = at if visible_at is None else max(at, epoch_seconds(visible_at, "visible_at"))
        index = bisect.bisect_right(times, at)
        times.insert(index, at)
        values.insert(index, float(value))
        visible.insert(index, seen)

    def samples(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        start: datetime,
        end: datetime,
        *,
        as_of: datetime | None = None,
    ) -> list[float]:
        """The raw samples in [start, end) visible ``as_of`` (None: all), oldest first."""
        key = metric_key(namespace, name, dimensions)
        times = self._times.get(key, [])
        low = bisect.bisect_left(times, epoch_seconds(start, "start"))
        high = bisect.bisect_left(times, epoch_seconds(end, "end"))
        values = self._values.get(key, [])[low:high]
        if as_of is None:
            return values
        cutoff = epoch_seconds(as_of, "as_of")
        visible = self._visible.get(key, [])[low:high]
        return [value for value, seen in zip(values, visible, strict=True) if seen <= cutoff]

    def statistic(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        start: datetime,
        end: datetime,
        stat: str,
        *,
        as_of: datetime | None = None,
    ) -> float | None:
        """The statistic over [start, end) as seen ``as_of``, or None when no sample is there."""
        samples = self.samples(namespace, name, dimensions, start, end, as_of=as_of)
        return compute_statistic(samples, stat)

    def metrics(self) -> list[MetricKey]:
        """Every metric that has samples, sorted."""
        return sorted(self._times, key=lambda key: (key[0], key[1], sorted(key[2])))
