"""parser: extracts each document's text, from the standard parse queue, in batches.

The rule on ``DocumentReceived`` sends each event to the queue; each record's body is the
EventBridge event. ``inject_lambda_context(per_record=True)`` calls the handler once per record in
that record's event context and reports a record that raises in ``batchItemFailures``, so only it
comes back after the visibility timeout, and after ``maxReceiveCount`` receives SQS moves it to
the DLQ (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html). A standard
queue does not keep order, so a failed record never holds back the ones after it.
Its designed failure: an unreadable document becomes ``DocumentRejected``, which ends the run.
"""

from __future__ import annotations

from typing import Any

from ingest_handlers import faults, runtime, state
from ingest_handlers.common import detail_of, is_duplicate
from logging_config import event_context, get_logger, inject_lambda_context

SERVICE = "parser"
WORDS_PER_PAGE = 350

log = get_logger(__name__)
_seen = state.Seen(SERVICE)


@inject_lambda_context(per_record=True)
@state.idempotent
def handler(record: dict[str, Any], context: Any) -> None:
    """Parse the document of one SQS record: DocumentParsed, or DocumentRejected."""
    with event_context(record) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_seen, event_id, log):
            return
        fault = faults.before_work(SERVICE, designed_failure=True)
        carried = {
            "workflow": detail.get("workflow"),
            "document_id": detail.get("document_id"),
            "owner": detail.get("owner"),
            "workflow_started_at": detail.get("workflow_started_at"),
        }
        if fault.fail:
            reason = "the PDF's text layer is unreadable"
            log.error("Document rejected", document_id=detail.get("document_id"), reason=reason)
            runtime.publish(
                SERVICE, ctx.child_event("DocumentRejected", {**carried, "reason": reason})
            )
        else:
            words = int(detail.get("pages") or 0) * WORDS_PER_PAGE
            log.info("Document parsed", document_id=detail.get("document_id"), words=words)
            runtime.publish(SERVICE, ctx.child_event("DocumentParsed", {**carried, "words": words}))
