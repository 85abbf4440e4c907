"""The alarm evaluator over simulated time: transitions, timestamps, reasons and actions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from dashboards.alarm_eval_spec import AlarmSpec, MetricQuery, MetricStat
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator, AlarmNotification
from dashboards.alarm_eval_timing import INSTANT_TIMING

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ALERTS = "arn:aws:sns:us-east-1:123456789012:alerts"
OK_TOPIC = "arn:aws:sns:us-east-1:123456789012:ok"
GAPS = "arn:aws:sns:us-east-1:123456789012:gaps"
DIMS = {"FunctionName": "planner"}


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def errors_alarm(**overrides: object) -> AlarmSpec:
    fields: dict[str, object] = {
        "name": "planner-errors",
        "namespace": "AWS/Lambda",
        "metric_name": "Errors",
        "dimensions": tuple(DIMS.items()),
        "statistic": "Sum",
        "period": 60,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 3,
        "threshold": 0.0,
        "comparison_operator": "GreaterThanThreshold",
        "alarm_actions": (ALERTS,),
        "ok_actions": (OK_TOPIC,),
        "insufficient_data_actions": (GAPS,),
    }
    fields.update(overrides)
    return AlarmSpec(**fields)  # type: ignore[arg-type]


def put_errors(store: InMemoryMetricStore, minutes: range | list[int], value: float) -> None:
    for n in minutes:
        # Two samples per minute: the period's Sum adds them.
        store.put("AWS/Lambda", "Errors", DIMS, minute(n + 0.2), value / 2)
        store.put("AWS/Lambda", "Errors", DIMS, minute(n + 0.7), value / 2)


def test_crossing_goes_insufficient_to_alarm_to_ok_with_actions_fired_once() -> None:
    store = InMemoryMetricStore()
    put_errors(store, [5, 6, 7], 1.0)
    put_errors(store, range(8, 60), 0.0)
    sent: list[AlarmNotification] = []
    evaluator = AlarmEvaluator(store, [errors_alarm()], start=T0, notify=sent.append)
    assert evaluator.state("planner-errors") == "INSUFFICIENT_DATA"

    made = evaluator.advance_to(minute(30))

    assert [(t.timestamp, t.old_state, t.new_state) for t in made] == [
        (minute(8), "INSUFFICIENT_DATA", "ALARM"),
        (minute(9), "ALARM", "OK"),
    ]
    assert [(n.action, n.timestamp, n.new_state) for n in sent] == [
        (ALERTS, minute(8), "ALARM"),
        (OK_TOPIC, minute(9), "OK"),
    ]
    assert made[0].reason == (
        "Threshold Crossed: 3 out of the last 3 datapoints [1.0 (01/01/26 00:07:00), "
        "1.0 (01/01/26 00:06:00), 1.0 (01/01/26 00:05:00)] were greater than the threshold "
        "(0.0) (minimum 3 datapoints for INSUFFICIENT_DATA -> ALARM transition)."
    )
    assert made[1].reason.startswith(
        "Threshold Crossed: 1 out of the last 3 datapoints [0.0 (01/01/26 00:08:00), "
        "1.0 (01/01/26 00:07:00), 1.0 (01/01/26 00:06:00)] was not greater than the threshold"
    )
    assert sent[0].reason == made[0].reason
    assert evaluator.history("planner-errors") == made
    # Twenty more evaluations in OK: no transition, no action.
    assert evaluator.advance(20 * 60) == []
    assert len(sent) == 2
    assert evaluator.now == minute(50)


def test_the_evaluation_range_is_n_plus_two_periods_ending_at_the_tick() -> None:
    store = InMemoryMetricStore()
    put_errors(store, [1, 3], 2.0)
    evaluator = AlarmEvaluator(store, [errors_alarm()], start=T0)
    assert evaluator.datapoints("planner-errors", minute(5)) == [None, 2.0, None, 2.0, None]


def test_missing_mode_over_time_premature_alarm_then_insufficient_data() -> None:
    store = InMemoryMetricStore()
    put_errors(store, [5], 3.0)  # one breaching period, then nothing
    sent: list[AlarmNotification] = []
    evaluator = AlarmEvaluator(store, [errors_alarm()], start=T0, notify=sent.append)
    made = evaluator.advance_to(minute(20))
    # Minute 5 is 3 periods old at 00:08 with only missing after it: ALARM (premature rule);
    # at 00:11 it has left the 5-period range and every datapoint is missing.
    assert [(t.timestamp, t.new_state) for t in made] == [
        (minute(8), "ALARM"),
        (minute(11), "INSUFFICIENT_DATA"),
    ]
    assert [(n.action, n.timestamp) for n in sent] == [(ALERTS, minute(8)), (GAPS, minute(11))]
    assert made[1].reason == "Insufficient Data: 3 datapoints were unknown."


def test_ignore_mode_over_time_keeps_the_state_through_gaps() -> None:
    store = InMemoryMetricStore()
    put_errors(store, range(0, 4), 0.0)
    put_errors(store, range(10, 13), 5.0)
    evaluator = AlarmEvaluator(store, [errors_alarm(treat_missing_data="ignore")], start=T0)
    made = evaluator.advance_to(minute(40))
    # OK from the first datapoint; the gap 4..9 keeps OK although the real points age out;
    # 10..12 breach → ALARM at 00:13; silence afterwards keeps ALARM.
    assert [(t.timestamp, t.new_state) for t in made] == [(minute(1), "OK"), (minute(13), "ALARM")]
    assert evaluator.state("planner-errors") == "ALARM"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("notBreaching", [(1, "OK"), (6, "ALARM"), (9, "OK")]),
        ("breaching", [(1, "ALARM")]),
        ("missing", [(6, "ALARM"), (9, "INSUFFICIENT_DATA")]),
        ("ignore", [(6, "ALARM")]),
    ],
)
def test_a_metric_that_reports_only_errors_per_missing_data_mode(
    mode: str, expected: list[tuple[int, str]]
) -> None:
    # Like AWS/Events FailedInvocations: emitted only when non-zero. 1 of 1, one error at 00:05.
    # While that datapoint is in the 3-period range it is the one real datapoint and is
    # re-evaluated ("CloudWatch alarms might repeatedly re-evaluate the last set of data points
    # for a period of time after the metric has stopped flowing"), so the alarm leaves ALARM
    # only at 00:09, whatever the treatment.
    store = InMemoryMetricStore()
    put_errors(store, [5], 1.0)
    spec = errors_alarm(evaluation_periods=1, datapoints_to_alarm=1, treat_missing_data=mode)
    evaluator = AlarmEvaluator(store, [spec], start=T0)
    made = evaluator.advance_to(minute(15))
    assert [(t.timestamp, t.new_state) for t in made] == [(minute(m), s) for m, s in expected]


def test_breaching_mode_reason_for_an_all_missing_range() -> None:
    evaluator = AlarmEvaluator(
        InMemoryMetricStore(), [errors_alarm(treat_missing_data="breaching")], start=T0
    )
    (transition,) = evaluator.advance_to(minute(1))
    assert transition.reason == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints "
        "were treated as [Breaching]."
    )


def test_metric_math_alarm_on_error_rate() -> None:
    store = InMemoryMetricStore()
    for n in range(12):
        store.put("AWS/Lambda", "Invocations", DIMS, minute(n + 0.5), 10.0)
    put_errors(store, [5, 6], 5.0)  # 50% for two minutes; no Errors datapoint otherwise
    spec = AlarmSpec(
        name="planner-error-rate",
        evaluation_periods=2,
        datapoints_to_alarm=2,
        threshold=10.0,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=(ALERTS,),
        metrics=(
            MetricQuery("m1", MetricStat("AWS/Lambda", "Errors", 60, "Sum", tuple(DIMS.items()))),
            MetricQuery(
                "m2", MetricStat("AWS/Lambda", "Invocations", 60, "Sum", tuple(DIMS.items()))
            ),
            MetricQuery("e1", expression="100 * FILL(m1, 0) / m2", return_data=True),
        ),
    )
    sent: list[AlarmNotification] = []
    evaluator = AlarmEvaluator(store, [spec], start=T0, notify=sent.append)
    made = evaluator.advance_to(minute(12))
    assert [(t.timestamp, t.new_state) for t in made] == [
        (minute(1), "OK"),
        (minute(7), "ALARM"),
        (minute(8), "OK"),
    ]
    assert "[50.0 (01/01/26 00:06:00), 50.0 (01/01/26 00:05:00)]" in made[1].reason
    assert [n.action for n in sent] == [ALERTS]
    # FILL gives the minutes without an Errors datapoint a rate of 0 (range: N + 2 = 4).
    assert evaluator.datapoints("planner-error-rate", minute(7)) == [0.0, 0.0, 50.0, 50.0]
    # Without FILL, arithmetic with a missing Errors datapoint is missing.
    unfilled = (*spec.metrics[:2], MetricQuery("e1", expression="100 * m1 / m2", return_data=True))
    evaluator.put_alarm(dataclasses.replace(spec, metrics=unfilled))
    assert evaluator.datapoints("planner-error-rate", minute(7)) == [None, None, 50.0, 50.0]


def test_per_period_timing_evaluates_once_per_period_on_period_boundaries() -> None:
    store = InMemoryMetricStore()
    put_errors(store, range(0, 10), 1.0)
    spec = errors_alarm(period=300, evaluation_periods=1, datapoints_to_alarm=1)
    evaluator = AlarmEvaluator(store, [spec], start=minute(2), timing=INSTANT_TIMING)
    assert evaluator.advance_to(minute(4)) == []  # the first boundary is 00:05
    (transition,) = evaluator.advance_to(minute(12))
    assert (transition.timestamp, transition.new_state) == (minute(5), "ALARM")
    assert "[5.0 (01/01/26 00:00:00)]" in transition.reason


def test_update_keeps_state_new_alarm_starts_insufficient_and_disabled_actions_stay_quiet() -> None:
    store = InMemoryMetricStore()
    put_errors(store, range(0, 10), 1.0)
    sent: list[AlarmNotification] = []
    quiet = errors_alarm(
        name="quiet", evaluation_periods=1, datapoints_to_alarm=1, actions_enabled=False
    )
    evaluator = AlarmEvaluator(
        store,
        [errors_alarm(evaluation_periods=1, datapoints_to_alarm=1), quiet],
        start=T0,
        notify=sent.append,
    )
    evaluator.advance_to(minute(3))
    assert evaluator.states() == {"planner-errors": "ALARM", "quiet": "ALARM"}
    assert [n.alarm_name for n in sent] == ["planner-errors"]
    evaluator.put_alarm(errors_alarm(evaluation_periods=1, datapoints_to_alarm=1, threshold=100.0))
    evaluator.put_alarm(errors_alarm(name="late", evaluation_periods=1, datapoints_to_alarm=1))
    assert evaluator.state("planner-errors") == "ALARM"
    assert evaluator.state("late") == "INSUFFICIENT_DATA"
    made = evaluator.advance_to(minute(4))
    assert {(t.alarm_name, t.new_state) for t in made} == {
        ("planner-errors", "OK"),
        ("late", "ALARM"),
    }
    evaluator.delete_alarm("late")
    with pytest.raises(KeyError, match="late"):
        evaluator.state("late")


def test_the_clock_only_moves_forward_and_needs_utc() -> None:
    evaluator = AlarmEvaluator(InMemoryMetricStore(), [errors_alarm()], start=minute(10))
    with pytest.raises(ValueError, match="until"):
        evaluator.advance_to(minute(5))
    with pytest.raises(ValueError, match="start"):
        AlarmEvaluator(InMemoryMetricStore(), start=datetime(2026, 1, 1))
