"""Alarm timing as on AWS: sliding windows evaluated every minute (every 10 s for periods under a
minute) and datapoints that reach the alarm only after their ingestion delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator
from dashboards.alarm_eval_timing import (
    AWS_INGESTION_DELAYS,
    AWS_TIMING,
    INSTANT_TIMING,
    AlarmTiming,
    IngestionDelays,
    evaluation_interval,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)
DIMS = {"FunctionName": "planner"}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def alarm(period: int, **overrides: object) -> AlarmSpec:
    fields: dict[str, object] = {
        "name": "planner-errors",
        "namespace": "AWS/Lambda",
        "metric_name": "Errors",
        "dimensions": tuple(DIMS.items()),
        "statistic": "Sum",
        "period": period,
        "evaluation_periods": 1,
        "datapoints_to_alarm": 1,
        "threshold": 0.0,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
    }
    fields.update(overrides)
    return AlarmSpec(**fields)  # type: ignore[arg-type]


def first_alarm(evaluator: AlarmEvaluator, until: float) -> datetime | None:
    made = evaluator.advance_to(at(until))
    return next((t.timestamp for t in made if t.new_state == "ALARM"), None)


def test_a_five_minute_alarm_is_evaluated_every_minute_over_a_sliding_window() -> None:
    store = InMemoryMetricStore()
    store.put("AWS/Lambda", "Errors", DIMS, at(6 * 60 + 10), 1.0)
    sliding = AlarmEvaluator(store, [alarm(300)], start=T0)
    # The window [00:02, 00:07) holds the error: the 00:07 evaluation sees it, not 00:10's.
    assert first_alarm(sliding, 15 * 60) == at(7 * 60)
    aligned = AlarmEvaluator(store, [alarm(300)], start=T0, timing=INSTANT_TIMING)
    assert first_alarm(aligned, 15 * 60) == at(10 * 60)


@pytest.mark.parametrize(("period", "expected"), [(10, 10), (20, 10), (30, 10), (60, 60)])
def test_high_resolution_alarms_are_evaluated_every_ten_seconds(period: int, expected: int) -> None:
    assert evaluation_interval(period) == expected
    store = InMemoryMetricStore()
    store.put("AWS/Lambda", "Errors", DIMS, at(35), 1.0)
    evaluator = AlarmEvaluator(store, [alarm(period)], start=T0)
    fired = first_alarm(evaluator, 120)
    assert fired == (at(40) if period < 60 else at(60))


def test_a_datapoint_is_invisible_until_its_ingestion_delay_has_passed() -> None:
    store = InMemoryMetricStore()
    stamped = at(5 * 60 + 12)
    store.put(
        "AWS/Lambda", "Errors", DIMS, stamped, 1.0, visible_at=stamped + timedelta(seconds=60)
    )
    evaluator = AlarmEvaluator(store, [alarm(60)], start=T0)
    # At 00:06 the period [00:05, 00:06) is over but its datapoint is still on its way.
    assert first_alarm(evaluator, 6 * 60) is None
    assert evaluator.datapoints("planner-errors", at(6 * 60))[-1] is None
    assert first_alarm(evaluator, 10 * 60) == at(7 * 60)


def test_the_store_reads_as_of_a_moment_and_never_before_the_timestamp() -> None:
    store = InMemoryMetricStore()
    store.put("AWS/SQS", "Depth", {}, at(10), 1.0, visible_at=at(70))
    store.put("AWS/SQS", "Depth", {}, at(20), 2.0, visible_at=at(5))  # earlier: clamped to 20
    assert store.samples("AWS/SQS", "Depth", {}, at(0), at(60)) == [1.0, 2.0]
    assert store.samples("AWS/SQS", "Depth", {}, at(0), at(60), as_of=at(19)) == []
    assert store.samples("AWS/SQS", "Depth", {}, at(0), at(60), as_of=at(20)) == [2.0]
    assert store.statistic("AWS/SQS", "Depth", {}, at(0), at(60), "Sum", as_of=at(70)) == 3.0


def test_the_aws_delays_per_namespace_and_for_log_derived_metrics() -> None:
    delays = AWS_INGESTION_DELAYS
    assert delays.delay("AWS/Lambda") == 60
    assert delays.delay("AWS/SQS") == 60
    assert delays.delay("AWS/Events") == 60
    assert delays.delay("AWS/SNS") == 60
    assert delays.delay("obskit") == delays.log_derived_s == 120  # EMF: a custom namespace
    assert delays.delay("AWS/Lambda", log_derived=True) == 120  # a metric filter's metric
    described = AWS_TIMING.describe()
    assert described["evaluation"].startswith("sliding, every 60 s")
    assert described["ingestion_delay_s"]["log-derived"] == 120
    assert INSTANT_TIMING.describe()["ingestion_delay_s"] == {"log-derived": 0.0}


def test_bad_timing_models_are_refused_with_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="ingestion delay of AWS/SQS"):
        IngestionDelays({"AWS/SQS": -1})
    with pytest.raises(ValueError, match="schedule"):
        AlarmTiming("hourly")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="visible_at"):
        InMemoryMetricStore().put("N", "M", {}, T0, 1.0, visible_at=datetime(2026, 1, 1))
