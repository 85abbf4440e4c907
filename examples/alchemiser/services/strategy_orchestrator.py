"""strategy-orchestrator: starts the trading workflow on schedule and fans out one worker per strategy.

Triggered by the weekday 09:35 America/New_York schedule. It opens the workflow (a new
correlation ID; its first event's causation ID is that correlation ID), publishes
``WorkflowStarted`` and async-invokes strategy-worker once per strategy with the started event's
detail plus the strategy's name — the fan-out.
"""

from __future__ import annotations

from typing import Any

from logging_config import get_logger, inject_lambda_context, start_workflow
from services import faults, runtime, state
from services.common import WORKFLOW, is_duplicate

SERVICE = "strategy-orchestrator"
TRIGGER = "schedule"
TIMEOUT_S = 60
CONSUMES: tuple[str, ...] = ()
EMITS = ("WorkflowStarted",)

#: The strategies evaluated every run (the real system reads DSL files of these names).
STRATEGIES = ("nuclear_feaver", "beam_chain", "beefier_3x", "chicken_rice")

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Open a workflow, announce it, and invoke one strategy worker per strategy.

    Schedules deliver at least once: a scheduled event seen before (same ``id``) starts nothing.
    """
    schedule_id = str(event.get("id") or "")
    if schedule_id and is_duplicate(_processed, schedule_id, log):
        return {"status": "duplicate"}
    fault = faults.before_work(SERVICE)
    strategies = _strategies(event)
    with start_workflow() as workflow:
        if fault.fail:
            log.error("Workflow could not start", reason="fault switch: fail")
            raise faults.InjectedFault(f"{SERVICE}: failure injected by its fault switch")
        started = workflow.child_event(
            "WorkflowStarted",
            {
                "workflow": WORKFLOW,
                "trigger": event.get("detail-type", "direct"),
                "strategies": list(strategies),
                "total_strategies": len(strategies),
                "workflow_started_at": runtime.now_iso(),
            },
        )
        log.info("Workflow started", workflow=WORKFLOW, total_strategies=len(strategies))
        runtime.publish(SERVICE, started)
        for number, strategy in enumerate(strategies, start=1):
            log.info(
                "Invoking strategy worker",
                strategy=strategy,
                strategy_number=number,
                total_strategies=len(strategies),
            )
            payload = {**started, "strategy": strategy, "strategy_number": number}
            runtime.invoke_async(SERVICE, "strategy-worker", payload)
    return {"status": "started", "correlation_id": started["correlation_id"]}


def _strategies(event: dict[str, Any]) -> tuple[str, ...]:
    """The schedule's input may name the strategies (a drill runs fewer); default: all of them."""
    chosen = event.get("strategies") or (event.get("detail") or {}).get("strategies")
    if not chosen:
        return STRATEGIES
    if not isinstance(chosen, list) or not all(isinstance(s, str) and s for s in chosen):
        raise ValueError(f"{SERVICE}: 'strategies' must be a list of names, got {chosen!r}")
    return tuple(chosen)
