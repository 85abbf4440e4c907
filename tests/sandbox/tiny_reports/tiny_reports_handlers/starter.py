"""starter: the schedule's target; opens a ``reports`` run (a new correlation ID) and publishes
its first event, ``ReportRequested``, which carries the ``correlation_id`` and ``event_id`` the
sandbox counts runs by."""

from __future__ import annotations

from typing import Any

from logging_config import get_logger, inject_lambda_context, start_workflow
from tiny_reports_handlers import faults, runtime

SERVICE = "starter"

log = get_logger(__name__)


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Start one report run, whatever invoked it (the schedule, or a runbook's invoke)."""
    faults.before_work(SERVICE)
    with start_workflow() as workflow:
        requested = workflow.child_event(
            "ReportRequested",
            {"workflow": "reports", "workflow_started_at": runtime.now_iso()},
        )
        log.info("Report run started", workflow="reports")
        runtime.publish(SERVICE, requested)
    return {"status": "started", "correlation_id": requested["correlation_id"]}
