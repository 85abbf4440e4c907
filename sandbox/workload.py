"""Start workflows the way their schedule does: an async invoke of the schedule's target.

EventBridge Scheduler invokes a Lambda target asynchronously, so a workflow starts as one event on
the target function's delivery queue, shaped like a scheduled event. The schedule is the one the
catalog's workflow names (``workflows[].schedule``), else the first schedule.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.models import Catalog, Schedule
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.lambda_semantics import Randomness
from sandbox.ledger import message_key
from sandbox.resources import Resources
from sandbox.transport import SandboxTransport


def entry_schedule(catalog: Catalog, workflow: str | None = None) -> Schedule:
    """The schedule that starts ``workflow`` (default: the first workflow that has one)."""
    where = catalog.source_file
    if not catalog.schedules:
        raise SandboxError(f"{where}: no schedules: nothing says where a workflow starts")
    for flow in catalog.workflows:
        if (workflow is None or flow.name == workflow) and flow.schedule:
            return catalog.schedule(flow.schedule)
    if workflow is not None:
        raise SandboxError(f"{where}: workflow {workflow!r} has no schedule (or does not exist)")
    return catalog.schedules[0]


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
        "detail-type": "Scheduled Event",
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
