"""metrics: the workflow's business metrics, as EMF lines (no PutMetricData call).

Consumes the workflow's end events and puts, with the dimension ``workflow`` (plus the default
``service``): ``WorkflowsCompleted`` / ``WorkflowsFailed`` (Count), ``WorkflowDuration``
(Seconds, from ``workflow_started_at`` to now) and ``TradesExecuted`` (Count). Dedupe by
``event_id`` keeps a redelivered end event from being counted twice. The metrics are flushed by
``inject_lambda_context`` at the end of the invocation.
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from logging_config import metrics as emf
from services import faults, runtime, state
from services.common import WORKFLOW, detail_of, is_duplicate

SERVICE = "metrics"
TRIGGER = "eventbridge"
TIMEOUT_S = 30
CONSUMES = ("WorkflowCompleted", "WorkflowFailed")
EMITS: tuple[str, ...] = ()

WORKFLOW_DIMENSION = "workflow"
WORKFLOWS_COMPLETED = "WorkflowsCompleted"
WORKFLOWS_FAILED = "WorkflowsFailed"
WORKFLOW_DURATION = "WorkflowDuration"
TRADES_EXECUTED = "TradesExecuted"
METRIC_NAMES = (WORKFLOW_DURATION, WORKFLOWS_COMPLETED, WORKFLOWS_FAILED, TRADES_EXECUTED)

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Count a completed or failed workflow, its duration and its trades."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_processed, event_id, log):
            return {"status": "duplicate"}
        fault = faults.before_work(SERVICE)
        if fault.fail:
            log.error("Business metrics could not be recorded", reason="fault switch: fail")
            raise faults.InjectedFault(f"{SERVICE}: failure injected by its fault switch")
        dims = {WORKFLOW_DIMENSION: str(detail.get("workflow") or WORKFLOW)}
        succeeded = detail.get("event_type") == "WorkflowCompleted"
        emf.put(WORKFLOWS_COMPLETED if succeeded else WORKFLOWS_FAILED, 1, dimensions=dims)
        duration = _duration_s(detail.get("workflow_started_at"))
        if duration is not None:
            emf.put(WORKFLOW_DURATION, duration, unit="Seconds", dimensions=dims)
        trades = int(detail.get("trades_executed") or 0)
        emf.put(TRADES_EXECUTED, trades, dimensions=dims)
        log.info(
            "Workflow metrics recorded",
            outcome="completed" if succeeded else "failed",
            duration_s=duration,
            trades_executed=trades,
        )
    return {"status": "recorded"}


def _duration_s(started_at: Any) -> float | None:
    if not isinstance(started_at, str):
        log.warning("Workflow start time missing: no duration recorded")
        return None
    try:
        return round(max(0.0, runtime.now() - runtime.parse_iso(started_at)), 3)
    except ValueError:
        log.warning("Workflow start time unreadable: no duration recorded", started_at=started_at)
        return None
