"""finisher: writes the report a ``ReportRequested`` event asks for and publishes
``ReportWritten``, which ends the run (same correlation ID, caused by the request). Its designed
failure (the ``fail`` switch): the report cannot be written, ``ReportFailed`` ends the run.
A request delivered again (same ``event_id``) is skipped and logged as a duplicate."""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from tiny_reports_handlers import faults, runtime
from tiny_reports_handlers.common import first_delivery

SERVICE = "finisher"

log = get_logger(__name__)


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Write the report and announce it (or announce why it could not be written)."""
    with event_context(event) as ctx:
        detail = ctx.detail
        if not isinstance(detail, dict):
            raise ValueError(f"{SERVICE}: the incoming event carries no detail object")
        with first_delivery(SERVICE, str(detail.get("event_id")), log) as first:
            if not first:
                return {"status": "duplicate"}
            failing = faults.before_work(SERVICE, designed_failure=True)
            carried = {
                "workflow": detail.get("workflow"),
                "workflow_started_at": detail.get("workflow_started_at"),
            }
            if failing:
                reason = "the source data is incomplete"
                log.error("Report failed", reason=reason)
                failed = ctx.child_event("ReportFailed", {**carried, "reason": reason})
                runtime.publish(SERVICE, failed)
                return {"status": "failed"}
            log.info("Report written", pages=2)
            runtime.publish(SERVICE, ctx.child_event("ReportWritten", carried))
    return {"status": "written"}
