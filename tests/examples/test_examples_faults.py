"""The fault switches: each service fails, crashes, slows down or duplicates as documented."""

from __future__ import annotations

from typing import Any

import pytest
from services import faults, local_router
from services.common import DUPLICATE_MESSAGE


def _messages(lines: Any, service: str, level: str | None = None) -> list[str]:
    return [
        line["message"]
        for line in lines
        if line.get("service") == service and (level is None or line.get("level") == level)
    ]


def _emf(lines: Any) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" in line]


def test_portfolio_fail_ends_the_workflow_with_workflow_failed(capture_logs: Any) -> None:
    faults.set_fault("portfolio", "fail")
    router = local_router.run_sample_workflow()
    (signal,) = router.events_of("SignalGenerated")
    (failed,) = router.events_of("WorkflowFailed")
    assert failed["failed_step"] == "portfolio"
    assert failed["causation_id"] == signal["event_id"]
    assert router.events_of("RebalancePlanned") == []
    assert router.events_of("WorkflowCompleted") == []
    assert [n.subject for n in router.notifications] == ["Trading workflow failed at portfolio"]
    lines = list(capture_logs)
    assert "Portfolio analysis failed" in _messages(lines, "portfolio", "ERROR")
    (emf,) = _emf(lines)
    assert emf["WorkflowsFailed"] == 1
    assert "WorkflowsCompleted" not in emf
    assert emf["correlation_id"] == failed["correlation_id"]


def test_execution_fail_rejects_an_order_and_the_trade_aggregator_fails_the_workflow(
    capture_logs: Any,
) -> None:
    faults.set_fault("execution", "fail")
    router = local_router.run_sample_workflow()
    trades = router.events_of("TradeExecuted")
    assert [t["status"] for t in trades][:2] == ["rejected", "filled"]
    assert trades[0]["reason"] == f"asset {trades[0]['symbol']} is not fractionable"
    (failed,) = router.events_of("WorkflowFailed")
    assert failed["failed_step"] == "execution"
    assert failed["rejected_orders"] == [trades[0]["order_id"]]
    assert failed["causation_id"] == trades[-1]["event_id"]  # the trade that completed the set
    assert router.events_of("AllTradesCompleted") == []
    assert "Order rejected by broker" in _messages(capture_logs, "execution", "ERROR")


def test_trade_aggregator_fail_emits_workflow_failed(capture_logs: Any) -> None:
    faults.set_fault("trade-aggregator", "fail")
    router = local_router.run_sample_workflow()
    (failed,) = router.events_of("WorkflowFailed")
    assert failed["failed_step"] == "trade-aggregator"
    assert failed["trades_executed"] == len(router.events_of("TradeExecuted"))


@pytest.mark.parametrize("mode", ["fail", "crash"])
def test_worker_failure_raises_is_retried_twice_then_dead_lettered(
    capture_logs: Any, mode: str
) -> None:
    faults.set_fault("strategy-worker", mode)
    router = local_router.run_sample_workflow(["beam_chain"])
    attempts = [d for d in router.deliveries if d.service == "strategy-worker"]
    assert [d.attempt for d in attempts] == [1, 2, 3]
    assert all(isinstance(d.error, faults.InjectedFault) for d in attempts)
    assert len(router.dead_letters) == 1
    assert router.events_of("PartialSignalGenerated") == []
    assert router.events_of("SignalGenerated") == []
    lines = list(capture_logs)
    (started,) = router.events_of("WorkflowStarted")
    errors = [ln for ln in lines if ln["service"] == "strategy-worker" and ln["level"] == "ERROR"]
    assert sum(ln.get("exception_name") == "InjectedFault" for ln in errors) == 3
    worker = [ln for ln in lines if ln["service"] == "strategy-worker"]
    # per attempt: fail logs "Evaluating" + its error, crash dies first; both: the uncaught line
    assert len(worker) == 3 * (3 if mode == "fail" else 1)
    assert {ln["correlation_id"] for ln in worker} == {started["correlation_id"]}
    assert {ln["event_id"] for ln in worker} == {started["event_id"]}


def test_the_uncaught_exception_line_is_correlated(capture_logs: Any) -> None:
    faults.set_fault("strategy-worker", "crash")
    router = local_router.run_sample_workflow(["beam_chain"])
    (started,) = router.events_of("WorkflowStarted")
    uncaught = [ln for ln in capture_logs if ln.get("exception_name") == "InjectedFault"]
    assert len(uncaught) == 3
    assert {ln["correlation_id"] for ln in uncaught} == {started["correlation_id"]}
    assert {ln["event_id"] for ln in uncaught} == {started["event_id"]}


def test_execution_crash_is_retried_by_sqs_then_dead_lettered(capture_logs: Any) -> None:
    faults.set_fault("execution", "crash")
    router = local_router.run_sample_workflow(["beam_chain"])
    attempts = [d for d in router.deliveries if d.service == "execution"]
    assert [d.attempt for d in attempts] == [1, 2, 3]
    for delivery in attempts:
        (record,) = delivery.event["Records"]
        assert delivery.response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
        assert record["attributes"]["ApproximateReceiveCount"] == str(delivery.attempt)
    (dead,) = router.dead_letters
    assert dead["eventSource"] == "aws:sqs"
    assert router.events_of("TradeExecuted") == []


def test_crash_from_the_environment_variable(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALCHEMISER_FAULT_NOTIFICATIONS", "crash")
    router = local_router.run_sample_workflow(["beam_chain"])
    assert router.events_of("AllTradesCompleted")
    assert router.events_of("WorkflowCompleted") == []
    assert {type(d.error) for d in router.deliveries if d.service == "notifications"} == {
        faults.InjectedFault
    }


def test_slow_sleeps_through_the_pluggable_sleeper(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    faults.set_sleeper(slept.append)
    monkeypatch.setenv("ALCHEMISER_FAULT_PORTFOLIO", "slow:42.5")
    faults.set_fault("signal-aggregator", "slow")
    router = local_router.run_sample_workflow(["beam_chain", "chicken_rice"])
    assert router.events_of("WorkflowCompleted")  # slow, but it still completes
    assert slept == [faults.DEFAULT_SLOW_S, faults.DEFAULT_SLOW_S, 42.5]


def test_duplicate_deliveries_are_detected_and_not_processed_twice(capture_logs: Any) -> None:
    faults.set_fault("execution", "duplicate")
    router = local_router.run_sample_workflow(["beam_chain"])
    trades = router.events_of("TradeExecuted")
    unique = {t["event_id"] for t in trades}
    assert len(trades) == 2 * len(unique)  # every trade published twice, same event_id
    lines = list(capture_logs)
    duplicates = [ln for ln in lines if ln["message"] == DUPLICATE_MESSAGE]
    assert len(duplicates) == len(unique)
    assert {ln["service"] for ln in duplicates} == {"trade-aggregator"}
    assert {ln["event_id"] for ln in duplicates} == unique
    recorded = [ln for ln in lines if ln["message"] == "Trade recorded"]
    assert len(recorded) == len(unique)
    assert len(router.events_of("AllTradesCompleted")) == 1
    assert len(router.events_of("WorkflowCompleted")) == 1


def test_duplicate_invokes_of_the_workers_are_detected(capture_logs: Any) -> None:
    faults.set_fault("strategy-orchestrator", "duplicate")
    router = local_router.run_sample_workflow(["beam_chain", "chicken_rice"])
    assert len([d for d in router.deliveries if d.service == "strategy-worker"]) == 4
    assert len(router.events_of("PartialSignalGenerated")) == 2
    assert len(_messages(capture_logs, "strategy-worker")) > 0
    assert _messages(capture_logs, "strategy-worker").count(DUPLICATE_MESSAGE) == 2
    assert len(router.events_of("WorkflowStarted")) == 2  # published twice, same event
    assert len({e["event_id"] for e in router.events_of("WorkflowStarted")}) == 1


def test_a_duplicated_end_event_is_counted_once(capture_logs: Any) -> None:
    faults.set_fault("notifications", "duplicate")
    router = local_router.run_sample_workflow(["beam_chain"])
    assert len(router.events_of("WorkflowCompleted")) == 2
    lines = list(capture_logs)
    assert _messages(lines, "metrics").count(DUPLICATE_MESSAGE) == 1
    assert [emf["WorkflowsCompleted"] for emf in _emf(lines)] == [1]


def test_faults_can_be_combined_and_cleared() -> None:
    fault = faults.parse("slow:1.5, duplicate ,fail")
    assert (fault.fail, fault.crash, fault.slow_s, fault.duplicate) == (True, False, 1.5, True)
    assert fault.describe() == "fail,duplicate,slow:1.5"
    assert faults.parse("none") == faults.NO_FAULT
    faults.set_fault("portfolio", fault)
    assert faults.current("portfolio") == fault
    faults.clear_faults()
    assert faults.current("portfolio") == faults.NO_FAULT


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", r"ALCHEMISER_FAULT_EXECUTION: unknown fault mode 'explode'"),
        ("slow:soon", r"ALCHEMISER_FAULT_EXECUTION: slow needs seconds"),
        ("slow:-1", r"ALCHEMISER_FAULT_EXECUTION: slow needs a finite number"),
        ("fail:3", r"ALCHEMISER_FAULT_EXECUTION: mode 'fail' takes no argument"),
    ],
)
def test_a_bad_switch_names_the_variable_and_the_mode(
    monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    monkeypatch.setenv("ALCHEMISER_FAULT_EXECUTION", spec)
    with pytest.raises(ValueError, match=message):
        faults.current("execution")


def test_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown service 'portfolios'"):
        faults.set_fault("portfolios", "fail")


def test_a_schedule_delivered_twice_starts_one_workflow(capture_logs: Any) -> None:
    router = local_router.LocalRouter()
    with router.installed():
        first = router.trigger_schedule("strategy-orchestrator", {"strategies": ["beam_chain"]})
        router.trigger_schedule(
            "strategy-orchestrator", {"strategies": ["beam_chain"]}, event_id=first["id"]
        )
        router.run()
    assert len(router.events_of("WorkflowStarted")) == 1
    assert len(router.events_of("WorkflowCompleted")) == 1
    assert _messages(capture_logs, "strategy-orchestrator").count(DUPLICATE_MESSAGE) == 1


@pytest.mark.parametrize(
    ("service", "event_type", "drop", "message"),
    [
        ("signal-aggregator", "PartialSignalGenerated", "total_strategies", "a positive integer"),
        ("signal-aggregator", "PartialSignalGenerated", "strategy", "a non-empty string"),
        ("trade-aggregator", "TradeExecuted", "order_count", "a positive integer"),
    ],
)
def test_a_malformed_fan_in_event_is_refused_naming_the_field(
    capture_logs: Any, service: str, event_type: str, drop: str, message: str
) -> None:
    router = local_router.run_sample_workflow(["beam_chain", "chicken_rice"])
    (good,) = router.events_of(event_type)[:1]
    bad = {k: v for k, v in good.items() if k != drop}
    bad["event_id"] = "bad-1"
    module = router.services[service]
    with pytest.raises(
        ValueError, match=rf"{service}: event 'bad-1' \({event_type}\) needs '{drop}' as {message}"
    ):
        module.handler({"detail-type": event_type, "id": "x", "source": "t", "detail": bad}, None)
