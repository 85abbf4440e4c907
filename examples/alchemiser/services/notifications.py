"""notifications: tells people how the run ended, and declares the workflow completed.

On ``AllTradesCompleted`` it publishes a summary to the trade-notifications topic and emits
``WorkflowCompleted``; on ``WorkflowFailed`` it publishes the failure (the failure event already
ends the workflow). Its designed failure: the notification cannot be delivered (an exception, so
Lambda retries the event).
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import WORKFLOW, detail_of, is_duplicate

SERVICE = "notifications"
TRIGGER = "eventbridge"
TIMEOUT_S = 30
CONSUMES = ("AllTradesCompleted", "WorkflowFailed")
EMITS = ("WorkflowCompleted",)

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Notify about the run's outcome; emit ``WorkflowCompleted`` when it succeeded."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        event_type = detail.get("event_type")
        if is_duplicate(_processed, event_id, log):
            return {"status": "duplicate"}
        fault = faults.before_work(SERVICE)
        if fault.fail:
            log.error("Notification delivery failed", reason="fault switch: fail")
            raise faults.InjectedFault(f"{SERVICE}: failure injected by its fault switch")
        if event_type == "WorkflowFailed":
            runtime.notify(
                f"Trading workflow failed at {detail.get('failed_step')}",
                {"correlation_id": detail.get("correlation_id"), "reason": detail.get("reason")},
            )
            log.warning("Failure notification sent", failed_step=detail.get("failed_step"))
            return {"status": "notified"}
        trades = int(detail.get("trades_executed") or 0)
        runtime.notify(
            f"Rebalance complete: {trades} trades",
            {"correlation_id": detail.get("correlation_id"), "trades_executed": trades},
        )
        completed = ctx.child_event(
            "WorkflowCompleted",
            {
                "workflow": WORKFLOW,
                "status": "succeeded",
                "trades_executed": trades,
                "workflow_started_at": detail.get("workflow_started_at"),
            },
        )
        runtime.publish(SERVICE, completed)
        log.info("Workflow completed", trades_executed=trades)
    return {"status": "completed"}
