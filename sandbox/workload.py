"""Start workflows the way the catalog says they start in production (``workflows[].start``).

- ``schedule``: EventBridge Scheduler invokes a Lambda target asynchronously, so a run starts as
  one event on the target function's delivery queue, shaped like a scheduled event
  (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html).
- ``direct``: a synchronous Invoke of the entry service with the payload as its event; a
  throttled function answers the caller with TooManyRequestsException and the run never starts
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html).
- ``api``: the same through API Gateway's Lambda proxy integration: the handler gets a REST proxy
  event whose ``body`` is the payload as JSON
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
- ``queue``: SendMessage of the payload to the queue (a FIFO queue needs a message group and a
  deduplication ID); the queue's event source mapping takes it from there.
- ``event``: PutEvents of the payload as the ``detail`` on the bus; the rules route it. The detail
  gets the event contract's IDs (``event_id``, ``correlation_id``, ``causation_id`` equal to the
  correlation ID for a workflow's first event) unless the payload carries them.

With no workflow named, runs are shared among every workflow that says how it starts, in
proportion to ``rate_per_hour`` (the same share each by default), interleaved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from catalog.models import Catalog, Schedule, Workflow, WorkflowStart
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.lambda_semantics import Randomness
from sandbox.ledger import message_key
from sandbox.resources import Resources
from sandbox.transport import SandboxTransport

SCHEDULED_EVENT = "Scheduled Event"
"""The ``detail-type`` of the event EventBridge Scheduler gives a Lambda target."""


def scheduled_event(
    schedule: Schedule,
    *,
    account: str,
    region: str,
    clock: SimClock,
    event_id: str,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event the schedule's target gets; ``detail`` is the schedule's input (a drill may pass
    e.g. ``{"strategies": [...]}`` to run a smaller workflow)."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": SCHEDULED_EVENT,
        "source": "aws.scheduler",
        "account": account,
        "time": clock.datetime().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:scheduler:{region}:{account}:schedule/default/{schedule.name}"],
        "detail": dict(detail or {}),
    }


def start_workflow(
    schedule: Schedule,
    *,
    clients: Clients,
    resources: Resources,
    transport: SandboxTransport,
    clock: SimClock,
    randomness: Randomness,
    detail: dict[str, Any] | None = None,
) -> None:
    queue_name = resources.delivery.get(schedule.target)
    if queue_name is None:
        raise SandboxError(
            f"schedule {schedule.name!r}: its target {schedule.target!r} has no async-invoke queue"
        )
    event = scheduled_event(
        schedule,
        account=resources.account_id,
        region=resources.region,
        clock=clock,
        event_id=randomness.request_id(),
        detail=detail,
    )
    body = json.dumps(event, separators=(",", ":"))
    clients.sqs.send_message(QueueUrl=resources.queue(queue_name).url, MessageBody=body)
    transport.sent_to_queue(queue_name, message_key(body), clock.now())


def workflow_entry(catalog: Catalog, workflow: Workflow) -> WorkflowStart:
    """How ``workflow``'s runs start; SandboxError naming the fix when the catalog does not say."""
    entry = workflow.entry()
    if entry is None:
        raise SandboxError(
            f"{catalog.source_file}: workflow {workflow.name!r} does not say how it starts: give "
            "it a schedule, or start: {kind: direct|api|queue|event, ...}"
        )
    return entry


def startable_workflows(catalog: Catalog) -> list[Workflow]:
    """Every workflow that says how it starts, in catalog order: a drill's baseline load runs
    each of them, so no workflow's heartbeat fires only because the drill ran another one."""
    return [w for w in catalog.workflows if w.entry() is not None]


def plan_runs(catalog: Catalog, n: int, workflow: str | None = None) -> list[Workflow]:
    """The workflow of each of ``n`` runs, in start order.

    A named workflow gets all of them. Otherwise every workflow that says how it starts gets a
    share in proportion to its ``rate_per_hour`` (default 1), interleaved by smooth weighted
    round-robin, so a burst mixes workflows the way production traffic does.
    """
    if workflow is not None:
        try:
            chosen = catalog.workflow(workflow)
        except KeyError:
            names = ", ".join(w.name for w in catalog.workflows) or "none"
            raise SandboxError(
                f"{catalog.source_file}: no workflow {workflow!r} (workflows: {names})"
            ) from None
        workflow_entry(catalog, chosen)
        return [chosen] * n
    flows = startable_workflows(catalog)
    if not flows:
        raise SandboxError(
            f"{catalog.source_file}: no workflow says how it starts: give one a schedule, or "
            "start: {kind: direct|api|queue|event, ...}"
        )
    weights = [w.rate_per_hour or 1.0 for w in flows]
    total = sum(weights)
    current = [0.0] * len(flows)
    plan: list[Workflow] = []
    for _ in range(n):
        for i, weight in enumerate(weights):
            current[i] += weight
        best = max(range(len(flows)), key=lambda i: (current[i], -i))
        current[best] -= total
        plan.append(flows[best])
    return plan


def fill_payload(value: Any, *, new_id: Callable[[], str], n: int, now: str) -> Any:
    """``value`` with ``{uuid}`` (a new UUID each time), ``{n}`` and ``{now}`` filled in its
    strings; a string that is exactly ``{n}`` becomes the number itself."""
    if isinstance(value, str):
        if value == "{n}":
            return n
        if "{" not in value:
            return value
        text = value.replace("{n}", str(n)).replace("{now}", now)
        while "{uuid}" in text:
            text = text.replace("{uuid}", new_id(), 1)
        return text
    if isinstance(value, dict):
        return {k: fill_payload(v, new_id=new_id, n=n, now=now) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_payload(v, new_id=new_id, n=n, now=now) for v in value]
    return value


def api_proxy_event(
    start: WorkflowStart, body: Any, *, request_id: str, account: str, when: str
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy event (the fields handlers read) for ``body``."""
    return {
        "resource": start.path,
        "path": start.path,
        "httpMethod": start.method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "accountId": account,
            "requestId": request_id,
            "httpMethod": start.method,
            "resourcePath": start.path,
            "stage": "sandbox",
            "requestTime": when,
        },
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def first_event_detail(
    detail: dict[str, Any], *, event_type: str, new_id: Callable[[], str], now: str
) -> dict[str, Any]:
    """The detail of a workflow's first event as the event contract wants it (DESIGN.md): the
    payload's own fields, plus whichever IDs it lacks; causation_id = correlation_id."""
    filled = dict(detail)
    correlation = str(filled.get("correlation_id") or f"workflow-{new_id()}")
    filled.setdefault("event_id", new_id())
    filled["correlation_id"] = correlation
    filled.setdefault("causation_id", correlation)
    filled.setdefault("event_type", event_type)
    filled.setdefault("timestamp", now)
    filled.setdefault("schema_version", "1.0")
    return filled
