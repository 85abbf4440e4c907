"""One whole trading workflow in process: the causation tree and every line correlated."""

from __future__ import annotations

from typing import Any

import pytest
from services import SERVICE_MODULES, local_router
from services.common import DUPLICATE_MESSAGE

from logging_config.metrics import validate_emf

FLOW = [
    "WorkflowStarted",
    "PartialSignalGenerated",
    "SignalGenerated",
    "RebalancePlanned",
    "TradeExecuted",
    "AllTradesCompleted",
    "WorkflowCompleted",
]


def _completing_event(router: local_router.LocalRouter, service: str, outcome: str) -> str:
    """The event_id of the delivery to ``service`` that made it publish ``outcome``."""
    for delivery in router.deliveries:
        if delivery.service == service and (delivery.response or {}).get("status") == outcome:
            detail: dict[str, Any] = delivery.event["detail"]
            return str(detail["event_id"])
    raise AssertionError(f"{service} never returned {outcome!r}")


def test_causation_tree_of_a_whole_workflow(capture_logs: Any) -> None:
    router = local_router.run_sample_workflow()
    events = [p.detail for p in router.published]
    assert [e["event_type"] for e in events if e["event_type"] not in FLOW] == []
    assert [t for t in FLOW if t not in {e["event_type"] for e in events}] == []
    assert all(d.error is None for d in router.deliveries)

    correlation_id = events[0]["correlation_id"]
    assert {e["correlation_id"] for e in events} == {correlation_id}
    assert len({e["event_id"] for e in events}) == len(events)

    (started,) = router.events_of("WorkflowStarted")
    assert started["causation_id"] == correlation_id  # the first event of a workflow
    partials = router.events_of("PartialSignalGenerated")
    assert len(partials) == started["total_strategies"] == 4  # fan-out: one per strategy
    assert {p["causation_id"] for p in partials} == {started["event_id"]}

    (signal,) = router.events_of("SignalGenerated")  # fan-in: caused by the completing partial
    assert signal["causation_id"] == _completing_event(router, "signal-aggregator", "aggregated")
    assert signal["causation_id"] == partials[-1]["event_id"]

    (plan,) = router.events_of("RebalancePlanned")
    assert plan["causation_id"] == signal["event_id"]
    trades = router.events_of("TradeExecuted")
    assert len(trades) == plan["order_count"] == len(plan["orders"]) > 1  # fan-out: one per order
    assert {t["causation_id"] for t in trades} == {plan["event_id"]}
    assert [t["order_id"] for t in trades] == [o["order_id"] for o in plan["orders"]]

    (done,) = router.events_of("AllTradesCompleted")
    assert done["causation_id"] == _completing_event(
        router, "trade-aggregator", "AllTradesCompleted"
    )
    assert done["causation_id"] == trades[-1]["event_id"]
    (completed,) = router.events_of("WorkflowCompleted")
    assert completed["causation_id"] == done["event_id"]
    assert completed["trades_executed"] == len(trades)


def test_every_line_of_every_service_is_correlated(capture_logs: Any) -> None:
    router = local_router.run_sample_workflow()
    correlation_id = router.published[0].detail["correlation_id"]
    event_ids = {p.detail["event_id"] for p in router.published}
    lines = list(capture_logs)
    assert {line["service"] for line in lines} == set(SERVICE_MODULES)
    for line in lines:
        assert line["correlation_id"] == correlation_id, line
        assert line["causation_id"], line
        # the workflow's first step handles no event yet: only its lines lack an event_id
        assert line["event_id"] or line["service"] == "strategy-orchestrator", line
        assert "correlation_generated" not in line, line
        assert line["function_name"] == f"alchemiser-dev-{line['service']}", line
    # every line but the orchestrator's (the workflow's first step) is about a published event
    handled = {line["event_id"] for line in lines if line["service"] != "strategy-orchestrator"}
    assert handled <= event_ids
    assert not [line for line in lines if line["message"] == DUPLICATE_MESSAGE]
    assert not [line for line in lines if line["level"] in {"ERROR", "CRITICAL"}]


def test_the_metrics_service_emits_the_business_metrics_as_valid_emf(capture_logs: Any) -> None:
    router = local_router.run_sample_workflow(["beam_chain", "chicken_rice"])
    (completed,) = router.events_of("WorkflowCompleted")
    emf = [line for line in capture_logs if "_aws" in line]
    assert len(emf) == 1
    (line,) = emf
    assert validate_emf(line) == []
    names = [m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert sorted(names) == ["TradesExecuted", "WorkflowDuration", "WorkflowsCompleted"]
    assert line["WorkflowsCompleted"] == 1
    assert (
        line["TradesExecuted"]
        == completed["trades_executed"]
        == len(router.events_of("TradeExecuted"))
    )
    assert line["WorkflowDuration"] >= 0
    assert line["workflow"] == "trading"
    assert line["service"] == "metrics"
    assert line["correlation_id"] == completed["correlation_id"]
    assert line["event_id"] == completed["event_id"]


def test_strategies_chosen_by_the_schedule_input_set_the_fan_out(capture_logs: Any) -> None:
    router = local_router.run_sample_workflow(["nuclear_feaver"])
    (signal,) = router.events_of("SignalGenerated")
    assert signal["strategies"] == ["nuclear_feaver"]
    assert len(router.events_of("PartialSignalGenerated")) == 1


def test_two_workflows_keep_their_aggregation_state_apart(capture_logs: Any) -> None:
    router = local_router.LocalRouter()
    with router.installed():
        router.trigger_schedule(
            "strategy-orchestrator", {"strategies": ["beam_chain", "beefier_3x"]}
        )
        router.trigger_schedule(
            "strategy-orchestrator", {"strategies": ["chicken_rice", "beam_chain"]}
        )
        router.run()
    completed = router.events_of("WorkflowCompleted")
    assert len(completed) == 2
    assert len({c["correlation_id"] for c in completed}) == 2
    for signal in router.events_of("SignalGenerated"):
        partials = [
            p
            for p in router.events_of("PartialSignalGenerated")
            if p["correlation_id"] == signal["correlation_id"]
        ]
        assert sorted(p["strategy"] for p in partials) == signal["strategies"]


@pytest.mark.parametrize(
    "fault",
    [
        None,
        ("portfolio", "fail"),
        ("execution", "fail"),
        ("strategy-worker", "crash"),
        ("trade-aggregator", "duplicate"),
        ("execution", "crash"),
    ],
)
def test_no_service_logs_outside_a_correlation_even_in_strict_mode(
    capture_logs: Any, fault: tuple[str, str] | None
) -> None:
    """strict=True raises MissingCorrelationError on any uncorrelated line: none may occur."""
    from services import faults

    from logging_config import MissingCorrelationError, config

    if fault:
        faults.set_fault(*fault)
    previous = config.STATE.strict
    config.STATE.strict = True
    try:
        router = local_router.run_sample_workflow(["beam_chain"])
    finally:
        config.STATE.strict = previous
    errors = [d.error for d in router.deliveries if d.error is not None]
    assert not [e for e in errors if isinstance(e, MissingCorrelationError)]
    assert {line["correlation_id"] for line in capture_logs} == {
        router.published[0].detail["correlation_id"]
    }
