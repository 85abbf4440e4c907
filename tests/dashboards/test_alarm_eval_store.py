"""The in-memory metric store: metric identity, windows, and CloudWatch's statistics."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.alarm_eval_store import InMemoryMetricStore, check_statistic, compute_statistic

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NS, NAME = "Alchemiser", "TradesExecuted"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_window_is_start_inclusive_end_exclusive_and_dimensions_are_exact() -> None:
    store = InMemoryMetricStore()
    for second, value in ((0, 1.0), (30, 2.0), (59.999, 4.0), (60, 8.0)):
        store.put(NS, NAME, {"Service": "execution"}, at(second), value)
    store.put(NS, NAME, {"Service": "execution", "Env": "dev"}, at(10), 100.0)
    store.put(NS, NAME, {}, at(10), 1000.0)
    assert store.statistic(NS, NAME, {"Service": "execution"}, at(0), at(60), "Sum") == 7.0
    assert store.statistic(NS, NAME, {"Service": "execution"}, at(60), at(120), "Sum") == 8.0
    assert (
        store.statistic(NS, NAME, {"Env": "dev", "Service": "execution"}, at(0), at(60), "Sum")
        == 100.0
    )
    assert store.statistic(NS, NAME, {}, at(0), at(60), "SampleCount") == 1.0
    assert store.statistic(NS, NAME, {"Service": "other"}, at(0), at(60), "Sum") is None
    assert len(store.metrics()) == 3


def test_samples_put_out_of_order_are_kept_in_time_order() -> None:
    store = InMemoryMetricStore()
    for second in (50, 10, 30):
        store.put(NS, NAME, {}, at(second), float(second))
    assert store.samples(NS, NAME, {}, at(0), at(60)) == [10.0, 30.0, 50.0]


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("Sum", 55.0),
        ("Average", 5.5),
        ("Minimum", 1.0),
        ("Maximum", 10.0),
        ("SampleCount", 10.0),
        ("p50", 5.0),
        ("p90", 9.0),
        ("p99", 10.0),
        ("p99.9", 10.0),
        ("p0", 1.0),
        ("p100", 10.0),
        ("p10.5", 2.0),
    ],
)
def test_statistics(stat: str, expected: float) -> None:
    assert compute_statistic([float(v) for v in range(10, 0, -1)], stat) == expected


@pytest.mark.parametrize("stat", ["Avg", "p101", "P99", "tm99", "sum"])
def test_unknown_statistics_are_refused(stat: str) -> None:
    with pytest.raises(ValueError, match="statistic"):
        check_statistic(stat)


def test_bad_samples_and_naive_times_are_refused() -> None:
    store = InMemoryMetricStore()
    with pytest.raises(ValueError, match="value"):
        store.put(NS, NAME, {}, T0, math.nan)
    with pytest.raises(ValueError, match="timestamp"):
        store.put(NS, NAME, {}, datetime(2026, 1, 1), 1.0)


samples = st.lists(st.integers(-1000, 1000).map(float), min_size=1, max_size=40)


@given(samples, st.floats(0, 100))
def test_a_percentile_is_a_sample_between_minimum_and_maximum(
    values: list[float], p: float
) -> None:
    value = compute_statistic(values, f"p{p:.2f}")
    assert value in values
    assert min(values) <= value <= max(values)


@given(samples, st.floats(0, 99), st.floats(0, 1))
def test_percentiles_grow_with_the_percentile(values: list[float], p: float, step: float) -> None:
    low = compute_statistic(values, f"p{p:.2f}")
    high = compute_statistic(values, f"p{p + step:.2f}")
    assert low is not None and high is not None and low <= high


@given(samples)
def test_average_is_sum_over_count(values: list[float]) -> None:
    total, count = compute_statistic(values, "Sum"), compute_statistic(values, "SampleCount")
    assert total is not None and count is not None
    assert compute_statistic(values, "Average") == pytest.approx(total / count)
