"""intake-api: the HTTP entry point (API Gateway Lambda proxy integration, ``POST /documents``).

It validates the upload, opens the ``ingest`` workflow (a new correlation ID, which the caller
gets back to quote) and emits ``DocumentReceived``. A bad request is answered 400 and starts
nothing; the proxy response shape is the one API Gateway expects
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
"""

from __future__ import annotations

import json
from typing import Any

from ingest_handlers import faults, runtime
from logging_config import get_logger, inject_lambda_context, start_workflow

SERVICE = "intake-api"
MAX_PAGES = 500

log = get_logger(__name__)


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, separators=(",", ":")),
    }


def _problem(request: Any) -> str | None:
    """What is wrong with the upload (None: nothing)."""
    if not isinstance(request, dict):
        return "the body must be a JSON object"
    if not isinstance(request.get("document_id"), str) or not request["document_id"]:
        return "document_id must be a non-empty string"
    pages = request.get("pages")
    if isinstance(pages, bool) or not isinstance(pages, int) or not 1 <= pages <= MAX_PAGES:
        return f"pages must be a whole number from 1 to {MAX_PAGES}, got {pages!r}"
    return None


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Accept one upload: 202 with the correlation id, or 400 naming what is wrong."""
    try:
        request = json.loads(event.get("body") or "null")
    except json.JSONDecodeError as error:
        return _response(400, {"error": f"body is not JSON: {error}"})
    problem = _problem(request)
    if problem is not None:
        log.warning("Upload refused", reason=problem)
        return _response(400, {"error": problem})
    faults.before_work(SERVICE)
    with start_workflow() as workflow:
        received = workflow.child_event(
            "DocumentReceived",
            {
                "workflow": "ingest",
                "document_id": request["document_id"],
                "title": str(request.get("title") or ""),
                "owner": str(request.get("owner") or ""),
                "pages": request["pages"],
                "workflow_started_at": runtime.now_iso(),
            },
        )
        log.info("Document received", document_id=request["document_id"], pages=request["pages"])
        runtime.publish(SERVICE, received)
    return _response(
        202, {"correlation_id": received["correlation_id"], "event_id": received["event_id"]}
    )
