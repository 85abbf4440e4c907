"""Run the Alchemiser in one process: a transport that delivers events to the handlers itself.

:class:`LocalRouter` stands in for EventBridge, Lambda's async invoke, the execution FIFO queue and
SNS. Set it as the transport (:func:`services.runtime.set_transport`, which :meth:`LocalRouter.
installed` does for a block), trigger the schedule, and :meth:`LocalRouter.run` delivers every
event, breadth first, to the services that consume it — in the shape AWS would: an EventBridge
event for ``eventbridge`` consumers, an SQS batch whose record body is that event for ``sqs``
consumers, the payload itself for ``direct`` invokes. Each delivery runs under the consuming
service's name with a Lambda-like context. Failed async deliveries are retried like Lambda's async
invoke (2 retries), failed SQS records up to maxReceiveCount (3) and then dead-lettered; nothing
is raised, everything is recorded (:attr:`LocalRouter.deliveries`, :attr:`published`, ...).

The routing comes from the service modules' ``TRIGGER`` and ``CONSUMES`` constants (a test checks
they agree with the catalog). Used by the tests and ``obskit demo``; the sandbox of a later issue
runs the same handlers on moto instead.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from services import SERVICE_MODULES, runtime

ACCOUNT = "123456789012"
REGION = "us-east-1"
ASYNC_RETRIES = 2  # Lambda's default for async invokes (EventBridge targets, direct invokes)
MAX_RECEIVE_COUNT = 3  # the execution queue's redrive policy


@dataclass
class LambdaContext:
    """The attributes of AWS's Lambda context object that handlers and the logger read."""

    function_name: str
    aws_request_id: str
    timeout_s: int
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_s * 1000


@dataclass(frozen=True)
class Published:
    """One event put on the (simulated) bus."""

    source: str
    detail_type: str
    detail: dict[str, Any]


@dataclass
class Delivery:
    """One invocation of a handler: what it got, what it returned or raised, which attempt."""

    service: str
    trigger: str
    event: dict[str, Any]
    attempt: int = 1
    request_id: str = ""
    response: Any = None
    error: BaseException | None = None


@dataclass
class Notification:
    topic: str
    subject: str
    message: dict[str, Any]


@dataclass
class LocalRouter:
    """An in-process EventBridge + Lambda + SQS + SNS for the example services."""

    services: dict[str, ModuleType] = field(default_factory=dict)
    published: list[Published] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    _queue: deque[Delivery] = field(default_factory=deque)
    _counter: int = 0

    def __post_init__(self) -> None:
        if not self.services:
            self.services = load_services()

    # --- the Transport protocol ---------------------------------------------------------------

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        detail = json.loads(json.dumps(detail, default=str))  # what goes over the wire
        self.published.append(Published(source, detail_type, detail))
        envelope = self.eventbridge_event(source, detail_type, detail)
        for name, module in self.services.items():
            if detail_type not in module.CONSUMES:
                continue
            if module.TRIGGER == "eventbridge":
                self._enqueue(name, "eventbridge", envelope)
            elif module.TRIGGER == "sqs":
                self._enqueue(name, "sqs", {"Records": [self.sqs_record(name, envelope)]})

    def invoke_async(self, *, function_name: str, payload: dict[str, Any]) -> None:
        service = runtime.service_of_function(function_name)
        if service not in self.services:
            raise runtime.PublishError(f"no function named {function_name!r} in this router")
        self._enqueue(service, "direct", json.loads(json.dumps(payload, default=str)))

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        self.notifications.append(Notification(topic, subject, message))

    # --- driving it ---------------------------------------------------------------------------

    def trigger_schedule(
        self, service: str, payload: dict[str, Any] | None = None, *, event_id: str | None = None
    ) -> dict[str, Any]:
        """Queue the scheduled event that starts ``service``; ``event_id`` repeats a delivery."""
        event = {
            "version": "0",
            "id": event_id or self._next_id(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": runtime.now_iso()[:19] + "Z",
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{service}-schedule"],
            "detail": {},
            **(payload or {}),
        }
        self._enqueue(service, "schedule", event)
        return event

    def run(self, max_deliveries: int = 10_000) -> list[Delivery]:
        """Deliver until nothing is left; return the deliveries made by this call."""
        made: list[Delivery] = []
        while self._queue:
            if len(made) >= max_deliveries:
                raise RuntimeError(f"more than {max_deliveries} deliveries: an event loop?")
            delivery = self._queue.popleft()
            self._deliver(delivery)
            made.append(delivery)
        return made

    @contextmanager
    def installed(self) -> Iterator[LocalRouter]:
        """Use this router as the services' transport for the block."""
        runtime.set_transport(self)
        try:
            yield self
        finally:
            runtime.set_transport(None)

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        """The details of every published event of ``event_type``, in publishing order."""
        return [p.detail for p in self.published if p.detail_type == event_type]

    # --- internals ----------------------------------------------------------------------------

    def _deliver(self, delivery: Delivery) -> None:
        module = self.services[delivery.service]
        delivery.request_id = self._next_id()
        context = LambdaContext(
            function_name=runtime.function_name(delivery.service),
            aws_request_id=delivery.request_id,
            timeout_s=int(module.TIMEOUT_S),
        )
        self.deliveries.append(delivery)
        with runtime.as_service(delivery.service):
            try:
                delivery.response = module.handler(delivery.event, context)
            except Exception as error:  # a crashed invocation: retried below, never raised
                delivery.error = error
        self._retry_if_failed(delivery)

    def _retry_if_failed(self, delivery: Delivery) -> None:
        if delivery.trigger == "sqs":
            failed_ids = {
                item["itemIdentifier"]
                for item in (delivery.response or {}).get("batchItemFailures", [])
            }
            records = delivery.event["Records"]
            if delivery.error is not None:
                failed_ids = {r["messageId"] for r in records}
            for record in records:
                if record["messageId"] not in failed_ids:
                    continue
                if delivery.attempt >= MAX_RECEIVE_COUNT:
                    self.dead_letters.append(record)
                    continue
                again = {**record, "attributes": {**record["attributes"]}}
                again["attributes"]["ApproximateReceiveCount"] = str(delivery.attempt + 1)
                self._queue.append(
                    Delivery(delivery.service, "sqs", {"Records": [again]}, delivery.attempt + 1)
                )
        elif delivery.error is not None:
            if delivery.attempt <= ASYNC_RETRIES and delivery.trigger != "schedule":
                self._queue.append(
                    Delivery(
                        delivery.service, delivery.trigger, delivery.event, delivery.attempt + 1
                    )
                )
            elif delivery.trigger != "schedule":
                self.dead_letters.append(delivery.event)

    def _enqueue(self, service: str, trigger: str, event: dict[str, Any]) -> None:
        self._queue.append(Delivery(service, trigger, event))

    def _next_id(self) -> str:
        self._counter += 1
        return str(uuid.UUID(int=self._counter))

    def eventbridge_event(
        self, source: str, detail_type: str, detail: dict[str, Any]
    ) -> dict[str, Any]:
        """The event as EventBridge hands it to a Lambda target."""
        return {
            "version": "0",
            "id": self._next_id(),
            "detail-type": detail_type,
            "source": source,
            "account": ACCOUNT,
            "time": runtime.now_iso()[:19] + "Z",
            "region": REGION,
            "resources": [],
            "detail": detail,
        }

    def sqs_record(self, service: str, envelope: dict[str, Any]) -> dict[str, Any]:
        """The SQS record Lambda hands ``service`` when a rule put ``envelope`` on its FIFO queue."""
        body = json.dumps(envelope, separators=(",", ":"))
        queue = f"{runtime.SYSTEM}-{runtime.stage()}-{service}.fifo"
        sent_ms = str(int(runtime.now() * 1000))
        return {
            "messageId": self._next_id(),
            "receiptHandle": self._next_id(),
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": sent_ms,
                "SenderId": "AIDAEVENTBRIDGE",
                "ApproximateFirstReceiveTimestamp": sent_ms,
                "MessageGroupId": str(envelope["detail"].get("correlation_id")),
                "MessageDeduplicationId": str(envelope["detail"].get("event_id")),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
            "awsRegion": REGION,
        }


def load_services() -> dict[str, ModuleType]:
    """Every service module, by catalog name, checked for the constants the router needs."""
    modules: dict[str, ModuleType] = {}
    for name, module_name in SERVICE_MODULES.items():
        module = importlib.import_module(f"services.{module_name}")
        for attribute in ("SERVICE", "TRIGGER", "TIMEOUT_S", "CONSUMES", "EMITS", "handler"):
            if not hasattr(module, attribute):
                raise AttributeError(f"services.{module_name} lacks {attribute}")
        if name != module.SERVICE:
            raise ValueError(f"services.{module_name}.SERVICE is {module.SERVICE!r}, not {name!r}")
        modules[name] = module
    return modules


def run_sample_workflow(strategies: list[str] | None = None) -> LocalRouter:
    """Run one trading workflow end to end in process and return the router that carried it."""
    router = LocalRouter()
    with router.installed():
        router.trigger_schedule(
            "strategy-orchestrator", {"strategies": strategies} if strategies else None
        )
        router.run()
    return router
