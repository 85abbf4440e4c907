"""Whatever strategies run and whichever service duplicates, one workflow ends exactly once."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from services import SERVICE_MODULES, faults, local_router, state
from services.strategy_worker import BOOKS


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    strategies=st.lists(st.sampled_from(sorted(BOOKS)), min_size=1, max_size=4, unique=True),
    duplicating=st.sets(st.sampled_from(sorted(SERVICE_MODULES)), max_size=3),
)
def test_duplicates_anywhere_never_change_the_outcome(
    capture_logs: Any, strategies: list[str], duplicating: set[str]
) -> None:
    state.reset_all()
    faults.clear_faults()
    for service in duplicating:
        faults.set_fault(service, "duplicate")
    try:
        router = local_router.run_sample_workflow(strategies)
    finally:
        faults.clear_faults()
    assert all(d.error is None for d in router.deliveries)
    unique: dict[str, dict[str, Any]] = {}
    for published in router.published:
        unique.setdefault(published.detail["event_id"], published.detail)
    kinds = [e["event_type"] for e in unique.values()]
    assert kinds.count("WorkflowStarted") == 1
    assert kinds.count("PartialSignalGenerated") == len(strategies)
    assert kinds.count("SignalGenerated") == 1
    assert kinds.count("RebalancePlanned") == 1
    assert kinds.count("AllTradesCompleted") == 1
    assert kinds.count("WorkflowCompleted") == 1
    (plan,) = [e for e in unique.values() if e["event_type"] == "RebalancePlanned"]
    assert kinds.count("TradeExecuted") == plan["order_count"]
    # the tree holds: every event but the first is caused by an event of the same workflow
    (root,) = [e for e in unique.values() if e["causation_id"] not in unique]
    assert root["event_type"] == "WorkflowStarted"
    assert root["causation_id"] == root["correlation_id"]
    emf = [line for line in capture_logs if "_aws" in line and line.get("WorkflowsCompleted")]
    assert [line["correlation_id"] for line in emf][-1] == root["correlation_id"]
    assert sum(line["correlation_id"] == root["correlation_id"] for line in emf) == 1
