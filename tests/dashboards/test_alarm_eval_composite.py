"""Composite alarms: AlarmRule evaluated over the child alarms' states, with transitions and
actions of their own, as "Creating a composite alarm" documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import load_catalog
from dashboards.alarm_eval_composite import CompositeSpec, evaluate_rule, rule_state
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator, AlarmNotification
from dashboards.aws_shapes import put_composite_alarm_kwargs, put_metric_alarm_kwargs
from dashboards.build import build_monitoring
from dashboards.validation.composite_rule import parse_rule

T0 = datetime(2026, 3, 2, tzinfo=UTC)
PAGE = "arn:aws:sns:us-east-1:123456789012:page"
STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def errors(name: str, treat_missing_data: str = "notBreaching") -> AlarmSpec:
    return AlarmSpec(
        name=name,
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions=(("FunctionName", name),),
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=0.0,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data=treat_missing_data,
    )


def put(store: InMemoryMetricStore, name: str, minutes: range, value: float) -> None:
    for n in minutes:
        store.put("AWS/Lambda", "Errors", {"FunctionName": name}, minute(n + 0.5), value)


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [
        ("ALARM(a) OR ALARM(b)", {"a": "OK", "b": "ALARM"}, True),
        ("ALARM(a) AND ALARM(b)", {"a": "OK", "b": "ALARM"}, False),
        ('ALARM("a") AND NOT OK(b)', {"a": "ALARM", "b": "INSUFFICIENT_DATA"}, True),
        ("INSUFFICIENT_DATA(a)", {"a": "INSUFFICIENT_DATA"}, True),
        ("(ALARM(a) OR FALSE) AND TRUE", {"a": "ALARM"}, True),
        ("NOT (ALARM(a) OR OK(a))", {"a": "OK"}, False),
        ("ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:a)", {"a": "ALARM"}, True),
        ("OK(gone)", {}, False),
    ],
)
def test_rule_functions_and_operators(rule: str, states: dict[str, str], expected: bool) -> None:
    assert evaluate_rule(parse_rule(rule), states) is expected
    assert rule_state(parse_rule(rule), states) == ("ALARM" if expected else "OK")


@settings(max_examples=50, deadline=None)
@given(a=st.sampled_from(STATES), b=st.sampled_from(STATES), c=st.sampled_from(STATES))
def test_and_binds_tighter_than_or_and_not_tightest(a: str, b: str, c: str) -> None:
    states = {"a": a, "b": b, "c": c}
    got = evaluate_rule(parse_rule("NOT ALARM(a) OR ALARM(b) AND OK(c)"), states)
    assert got is ((a != "ALARM") or (b == "ALARM" and c == "OK"))


def test_composite_follows_its_children_with_its_own_transitions_and_actions() -> None:
    store = InMemoryMetricStore()
    put(store, "a", range(0, 3), 0.0)
    put(store, "a", range(3, 5), 1.0)
    put(store, "a", range(5, 20), 0.0)
    put(store, "b", range(0, 20), 0.0)
    sent: list[AlarmNotification] = []
    unhealthy = CompositeSpec(
        "unhealthy", "ALARM(a) OR ALARM(b)", alarm_actions=(PAGE,), ok_actions=(PAGE,)
    )
    evaluator = AlarmEvaluator(
        store, [errors("a"), errors("b")], start=T0, notify=sent.append, composites=[unhealthy]
    )
    assert evaluator.state("unhealthy") == "INSUFFICIENT_DATA"
    evaluator.advance_to(minute(10))
    history = [(t.timestamp, t.old_state, t.new_state) for t in evaluator.history("unhealthy")]
    assert history == [
        (minute(1), "INSUFFICIENT_DATA", "OK"),
        (minute(4), "OK", "ALARM"),
        (minute(6), "ALARM", "OK"),
    ]
    assert "ALARM(a)" in evaluator.history("unhealthy")[1].reason
    composite_sent = [(n.new_state, n.action) for n in sent if n.alarm_name == "unhealthy"]
    # Actions on transitions only, to the new state's list: the first move to OK included.
    assert composite_sent == [("OK", PAGE), ("ALARM", PAGE), ("OK", PAGE)]
    assert evaluator.states()["unhealthy"] == "OK"


def test_a_composite_never_returns_to_insufficient_data() -> None:
    evaluator = AlarmEvaluator(
        InMemoryMetricStore(),
        [errors("a", "missing")],
        start=T0,
        composites=[CompositeSpec("c", "ALARM(a)")],
    )
    evaluator.advance_to(minute(5))
    assert evaluator.state("a") == "INSUFFICIENT_DATA"
    assert evaluator.state("c") == "OK"


def test_composites_of_composites_settle_at_the_same_moment_and_cycles_are_refused() -> None:
    store = InMemoryMetricStore()
    put(store, "a", range(0, 5), 1.0)
    evaluator = AlarmEvaluator(
        store,
        [errors("a")],
        start=T0,
        composites=[CompositeSpec("outer", "ALARM(inner)"), CompositeSpec("inner", "ALARM(a)")],
    )
    evaluator.advance_to(minute(2))
    assert evaluator.history("outer")[-1].timestamp == evaluator.history("a")[-1].timestamp
    assert evaluator.state("outer") == "ALARM"
    assert evaluator.composite_children() == {"inner": ("a",), "outer": ("inner",)}
    with pytest.raises(ValueError, match="cycle: inner -> outer -> inner"):
        evaluator.put_composite_alarm(CompositeSpec("inner", "ALARM(outer)"))


def test_a_bad_rule_or_missing_field_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"composite alarm 'x': AlarmRule: .*character 10"):
        CompositeSpec("x", "ALARM(a) ANDD OK(b)")
    with pytest.raises(ValueError, match="AlarmRule is required"):
        CompositeSpec.from_put_composite_alarm_kwargs({"AlarmName": "x"})
    spec = CompositeSpec.from_put_composite_alarm_kwargs(
        {"AlarmName": "x", "AlarmRule": "TRUE", "ActionsEnabled": False, "AlarmActions": [PAGE]}
    )
    assert spec.actions_for("ALARM") == ()


@pytest.mark.parametrize("example", ["alchemiser", "orders"])
def test_every_generated_composite_is_evaluated_over_its_generated_children(
    example: str,
) -> None:
    catalog = load_catalog(Path(__file__).parents[2] / "examples" / example / "catalog.yaml")
    monitoring = build_monitoring(catalog)
    specs = [
        AlarmSpec.from_put_metric_alarm_kwargs(put_metric_alarm_kwargs(a))
        for a in monitoring.alarms
    ]
    composites = [
        CompositeSpec.from_put_composite_alarm_kwargs(put_composite_alarm_kwargs(c))
        for c in monitoring.composite_alarms
    ]
    assert composites, f"{example} generates composite alarms"
    evaluator = AlarmEvaluator(InMemoryMetricStore(), specs, start=T0, composites=composites)
    metric_names = {s.name for s in specs} | {c.name for c in composites}
    for composite in composites:
        assert set(composite.children) <= metric_names, composite.name
    evaluator.advance_to(minute(2))
    # No data: each composite's state follows its children's, never left in INSUFFICIENT_DATA.
    states = evaluator.states()
    for composite in composites:
        assert states[composite.name] == rule_state(composite.tree, states)
        assert states[composite.name] != "INSUFFICIENT_DATA"
