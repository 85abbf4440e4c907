"""indexer: makes documents searchable, for both workflows.

Invoked asynchronously by the rule on ``DocumentParsed`` (ingest) and ``ReindexRequested``
(reindex). A raised error makes Lambda retry the event twice, then send it to the function's
on-failure DLQ, from which ``obskit dlq replay --lambda`` re-invokes it
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). Its designed failure, for a
reindex only: the document is no longer stored, so the run ends with ``ReindexRejected``.
"""

from __future__ import annotations

from typing import Any

from ingest_handlers import faults, runtime, state
from ingest_handlers.common import detail_of, is_duplicate
from logging_config import event_context, get_logger, inject_lambda_context

SERVICE = "indexer"
#: What each incoming event type becomes once indexed.
OUTCOME = {"DocumentParsed": "DocumentIndexed", "ReindexRequested": "DocumentReindexed"}

log = get_logger(__name__)
_seen = state.Seen(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Index the document the event names and announce it."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_seen, event_id, log):
            return {"status": "duplicate"}
        outcome = OUTCOME.get(str(detail.get("event_type")))
        if outcome is None:
            raise ValueError(f"{SERVICE}: cannot index a {detail.get('event_type')!r} event")
        reindex = outcome == "DocumentReindexed"
        fault = faults.before_work(SERVICE, designed_failure=reindex)
        carried = {
            "workflow": detail.get("workflow"),
            "document_id": detail.get("document_id"),
            "owner": detail.get("owner"),
            "workflow_started_at": detail.get("workflow_started_at"),
        }
        if fault.fail:  # only a reindex gets here: the ingest path raised in before_work
            reason = "the document is no longer stored"
            log.error("Reindex rejected", document_id=detail.get("document_id"), reason=reason)
            outcome, carried = "ReindexRejected", {**carried, "reason": reason}
        else:
            log.info("Document indexed", document_id=detail.get("document_id"))
        runtime.publish(SERVICE, ctx.child_event(outcome, carried))
    return {"status": "indexed"}
