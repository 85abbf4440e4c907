"""notifier: tells the owner how a run ended, and records both workflows' business metrics.

It consumes every end event (``DocumentIndexed``, ``DocumentRejected``, ``DocumentReindexed``,
``ReindexRejected``), so it is the service whose EMF metrics the generated workflow alarms watch:
``WorkflowsCompleted`` / ``WorkflowsFailed`` (Count) and ``WorkflowDuration`` (Seconds), with the
dimensions ``service`` (added by logging_config) and ``workflow`` (see dashboards/emf_names.py). Dedupe by ``event_id``
keeps a redelivered end event from being counted twice.
"""

from __future__ import annotations

from typing import Any

from ingest_handlers import faults, runtime, state
from ingest_handlers.common import detail_of, is_duplicate
from logging_config import event_context, get_logger, inject_lambda_context
from logging_config import metrics as emf

SERVICE = "notifier"
#: End event -> (workflow, succeeded)
ENDS = {
    "DocumentIndexed": ("ingest", True),
    "DocumentRejected": ("ingest", False),
    "DocumentReindexed": ("reindex", True),
    "ReindexRejected": ("reindex", False),
}

log = get_logger(__name__)
_seen = state.Seen(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Notify the owner and count the run as completed or failed, with its duration."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_seen, event_id, log):
            return {"status": "duplicate"}
        end = ENDS.get(str(detail.get("event_type")))
        if end is None:
            raise ValueError(f"{SERVICE}: {detail.get('event_type')!r} is not an end event")
        workflow, succeeded = end
        faults.before_work(SERVICE)
        document = detail.get("document_id")
        subject = f"Document {document} " + ("is searchable" if succeeded else "was not indexed")
        runtime.notify(
            subject,
            {"correlation_id": detail.get("correlation_id"), "reason": detail.get("reason")},
        )
        dims = {"workflow": workflow}
        emf.put("WorkflowsCompleted" if succeeded else "WorkflowsFailed", 1, dimensions=dims)
        duration = runtime.seconds_since(detail.get("workflow_started_at"))
        if duration is not None:
            emf.put("WorkflowDuration", duration, unit="Seconds", dimensions=dims)
        log.info("Owner notified", workflow=workflow, succeeded=succeeded, duration_s=duration)
    return {"status": "notified"}
