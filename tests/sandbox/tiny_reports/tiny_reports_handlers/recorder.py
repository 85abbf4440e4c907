"""recorder: counts how a run ended and how long it took, as EMF metrics.

It consumes the workflow's success and failure event, so it is the service whose metrics the
generated workflow alarms watch (``WorkflowsCompleted`` / ``WorkflowsFailed``, ``WorkflowDuration``
with the ``workflow`` dimension; see dashboards/emf_names.py). A run nobody records is one the
SLA, failure and heartbeat alarms never see end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from logging_config import metrics as emf
from tiny_reports_handlers import faults, runtime
from tiny_reports_handlers.common import first_delivery

SERVICE = "recorder"
#: End event -> whether the run succeeded.
ENDS = {"ReportWritten": True, "ReportFailed": False}

log = get_logger(__name__)


def _seconds_since(started: object) -> float | None:
    """Seconds from the ISO time ``started`` to now (None when missing or unreadable)."""
    if not isinstance(started, str):
        return None
    try:
        began = datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return round(max(0.0, runtime.now() - began), 3)


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Count the run as completed or failed, with its duration (once per end event)."""
    with event_context(event) as ctx:
        detail = ctx.detail if isinstance(ctx.detail, dict) else {}
        succeeded = ENDS.get(str(detail.get("event_type")))
        if succeeded is None:
            raise ValueError(f"{SERVICE}: {detail.get('event_type')!r} is not an end event")
        with first_delivery(SERVICE, str(detail.get("event_id")), log) as first:
            if not first:  # counted once: a redelivered end event is no second run
                return {"status": "duplicate"}
            faults.before_work(SERVICE)
            dims = {"workflow": "reports"}
            emf.put("WorkflowsCompleted" if succeeded else "WorkflowsFailed", 1, dimensions=dims)
            duration = _seconds_since(detail.get("workflow_started_at"))
            if duration is not None:
                emf.put("WorkflowDuration", duration, unit="Seconds", dimensions=dims)
            log.info("Run recorded", succeeded=succeeded, duration_s=duration)
    return {"status": "recorded"}
