"""reindexer: turns reindex requests (plain JSON queue messages) into reindex workflows.

A request is not an event: its body is ``{request_id, correlation_id, document_id, reason}``.
The requester's ``correlation_id`` is continued (one ID from the ticket that asked to the index),
and the first event of the run, ``ReindexRequested``, has it as its causation ID. A standard
queue, so a batch's records are independent: one that raises is reported in
``batchItemFailures`` and the rest are done
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html). Dedupe is by
``request_id``, never by MessageId.
"""

from __future__ import annotations

from typing import Any

from ingest_handlers import faults, runtime, state
from ingest_handlers.common import detail_of, is_duplicate
from logging_config import event_context, get_logger, inject_lambda_context, start_workflow

SERVICE = "reindexer"

log = get_logger(__name__)
_seen = state.Seen(SERVICE)


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{SERVICE}: reindex request needs {key!r} as a non-empty string")
    return value


@inject_lambda_context(per_record=True)
@state.idempotent
def handler(record: dict[str, Any], context: Any) -> None:
    """Open one reindex workflow for the request in ``record``."""
    with event_context(record) as ctx:
        request = detail_of(ctx, SERVICE)
        request_id = _text(request, "request_id")
        document_id = _text(request, "document_id")
        if is_duplicate(_seen, request_id, log):
            return
        faults.before_work(SERVICE)
        correlation = request.get("correlation_id")
        with start_workflow(
            correlation if isinstance(correlation, str) and correlation else None
        ) as flow:
            requested = flow.child_event(
                "ReindexRequested",
                {
                    "workflow": "reindex",
                    "request_id": request_id,
                    "document_id": document_id,
                    "reason": str(request.get("reason") or ""),
                    "workflow_started_at": runtime.now_iso(),
                },
            )
            log.info("Reindex requested", document_id=document_id, request_id=request_id)
            runtime.publish(SERVICE, requested)
