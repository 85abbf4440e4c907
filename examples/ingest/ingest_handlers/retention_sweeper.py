"""retention-sweeper: the nightly job. It deletes expired documents and starts no workflow.

EventBridge Scheduler invokes it asynchronously once a night with a scheduled event
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html); its only outputs
are log lines and one EMF metric, ``DocumentsExpired``. Scheduler delivers at least once, so a
scheduled event seen before (same ``id``) does nothing.
"""

from __future__ import annotations

from typing import Any

from ingest_handlers import faults, state
from ingest_handlers.common import is_duplicate
from logging_config import get_logger, inject_lambda_context, start_workflow
from logging_config import metrics as emf

SERVICE = "retention-sweeper"

log = get_logger(__name__)
_seen = state.Seen(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sweep once; the count swept is a business metric, not an event."""
    schedule_id = str(event.get("id") or "")
    if schedule_id and is_duplicate(_seen, schedule_id, log):
        return {"status": "duplicate"}
    faults.before_work(SERVICE)
    expired = int((event.get("detail") or {}).get("expired", 0))
    # One correlation per night's run, so its lines are found together (it is no workflow).
    with start_workflow(f"sweep-{schedule_id}" if schedule_id else None):
        emf.put("DocumentsExpired", expired)
        log.info("Retention sweep finished", expired=expired)
    return {"status": "swept", "expired": expired}
