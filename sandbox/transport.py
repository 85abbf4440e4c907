"""The handlers' way out: events to the bus, async invokes, notifications — into the endpoint.

Plugged into the handler package's ``runtime.set_transport``. Publishing is real: PutEvents on the
catalog's bus (with the simulated time as the event's ``Time``), and moto's rules deliver to the
delivery queues; an async invoke is a message on the function's delivery queue (where Lambda's
async queue would hold it); a notification (a handler's, or an alarm action's) is an SNS publish.
On the way the transport records what EventBridge and SQS would count — MatchedEvents and
Invocations per rule, NumberOfMessagesSent per queue — since moto counts nothing.

What a handler sends while its invocation runs (on its own timeline, see
:mod:`sandbox.scheduler`) is held until the scheduler's time reaches the moment it was sent (and
a delivery latency, :data:`DELIVERY_STEP_S`), then sent: the rest of the system never sees it
earlier. The calls themselves wait for
:meth:`SandboxTransport.flush` (the end of a poll, or of a minute's alarm evaluation) and go out in
batches of 10: PutEvents, SendMessageBatch, PublishBatch.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog, Rule
from sandbox import sns_delivery
from sandbox.activity import Activity
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.eventbridge_delivery import RuleDeliveries
from sandbox.function_runner import FunctionRunner
from sandbox.ledger import QueueLedger, message_key
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import Resources
from sandbox.scheduler import Deferred

EVENTS_NAMESPACE = "AWS/Events"
SQS_NAMESPACE = "AWS/SQS"
SNS_NAMESPACE = "AWS/SNS"
#: PutEvents, SendMessageBatch and PublishBatch take at most 10 entries...
BATCH = 10
#: ...and PublishBatch at most 256 KiB in all.
PUBLISH_BATCH_BYTES = 262_144
DELIVERY_STEP_S = 0.5
"""What an invocation sends reaches the bus / queue / topic at the next multiple of this many
simulated seconds strictly after it was sent: a delivery latency of more than nothing and at most
half a second (never none: a send at a step's exact moment would otherwise arrive at once, and
a chain of warm invocations started on a step would take no time at all). AWS documents
none (EventBridge delivers "in near real time", https://aws.amazon.com/eventbridge/faqs/); the
step is our choice, and it lets the sandbox send what many overlapping invocations published in
one batch instead of one call each."""


def delivery_time(sent: float) -> float:
    """When something sent at ``sent`` is delivered: the next :data:`DELIVERY_STEP_S` step
    strictly after it."""
    return (math.floor(round(sent / DELIVERY_STEP_S, 6)) + 1) * DELIVERY_STEP_S


@dataclass(frozen=True)
class PublishedEvent:
    at: float
    bus: str
    source: str
    detail_type: str
    detail: dict[str, Any]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


class SandboxTransport:
    def __init__(
        self,
        catalog: Catalog,
        *,
        clients: Clients,
        resources: Resources,
        clock: SimClock,
        ledger: QueueLedger,
        metrics: MetricsPublisher,
        runner: FunctionRunner,
        activity: Activity,
        deferred: Deferred | None = None,
    ) -> None:
        self._catalog = catalog
        self._deferred = deferred
        self._activity = activity
        self._clients = clients
        self._resources = resources
        self._clock = clock
        self._ledger = ledger
        self._metrics = metrics
        self._runner = runner
        self._pending_events: list[dict[str, Any]] = []
        self._pending_sends: dict[str, list[str]] = {}
        self._pending_publishes: dict[str, list[tuple[str, str]]] = {}
        """topic ARN → (subject, message) to publish, in order"""
        self.published: list[PublishedEvent] = []
        self.deliveries: RuleDeliveries | None = None
        """Rules whose delivery is failing (set by the sandbox)."""
        self.failing_topics: set[str] = set()
        self._failures_due: list[tuple[float, str]] = []
        self.redrives = sns_delivery.Redrives()
        """Failed notifications of subscriptions with a DLQ, moved there when SNS gives up."""
        """(when SNS counts it, topic) of every failed delivery still being retried."""
        self.notifications: list[tuple[float, str, str]] = []

    # --- the handlers' Transport protocol ----------------------------------------------------

    def _held(self, action: Callable[[], None]) -> bool:
        """Inside an invocation: hold ``action`` until the scheduler reaches its local time."""
        if self._deferred is None or not self._clock.in_invocation:
            return False
        self._deferred.at(delivery_time(self._clock.now()), action)
        return True

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        body = _dumps(detail)  # as it is now: the handler may change the dict afterwards
        self._bus_for(detail_type)  # no bus: the handler's call fails, not a later release
        if self._held(lambda: self._put_event(source, detail_type, body)):
            return
        self._put_event(source, detail_type, body)

    def _put_event(self, source: str, detail_type: str, body: str) -> None:
        bus, rules = self._bus_for(detail_type)
        now = self._clock.now()
        self._pending_events.append(
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": body,
                "EventBusName": bus,
                "Time": self._clock.datetime(),
            }
        )
        event = PublishedEvent(now, bus, source, detail_type, json.loads(body))
        self.published.append(event)
        key = message_key(body)
        for rule in rules:
            dims = {"EventBusName": bus, "RuleName": rule.name}
            self._metrics.put(EVENTS_NAMESPACE, "MatchedEvents", dims, 1, at=now)
            for target in rule.targets:
                if self.deliveries is not None and rule.name in self.deliveries.failing:
                    self.deliveries.attempt_failed(bus, rule, target, self._envelope(event))
                    continue
                self._metrics.put(EVENTS_NAMESPACE, "InvocationAttempts", dims, 1, at=now)
                self._metrics.put(EVENTS_NAMESPACE, "Invocations", dims, 1, at=now)
                queue = (
                    self._resources.delivery[target.service]
                    if target.service is not None
                    else str(target.queue)
                )
                self.sent_to_queue(queue, key, now)

    def invoke_async(self, *, function_name: str, payload: dict[str, Any]) -> None:
        service = self._runner.by_function_name(function_name)
        queue_name = self._resources.delivery.get(service.name)
        if queue_name is None:
            raise SandboxError(
                f"function {function_name!r} is triggered by SQS; it cannot be invoked async here"
            )
        body = _dumps(payload)
        if self._held(lambda: self._send_async(queue_name, body)):
            return
        self._send_async(queue_name, body)

    def _send_async(self, queue_name: str, body: str) -> None:
        self._pending_sends.setdefault(queue_name, []).append(body)
        self.sent_to_queue(queue_name, message_key(body), self._clock.now())

    def flush(self) -> None:
        """Send what the last invocations published: PutEvents, SendMessageBatch, PublishBatch.

        Batching the calls of a poll keeps the sandbox fast; nothing reads them before the
        poll ends anyway (the scheduler's time does not move during a poll).
        """
        self.collect_deliveries()
        events, self._pending_events = self._pending_events, []
        sends, self._pending_sends = self._pending_sends, {}
        for start in range(0, len(events), BATCH):
            batch = events[start : start + BATCH]
            response = self._clients.events.put_events(Entries=batch)
            if response.get("FailedEntryCount", 0):
                failed = [
                    (entry, result)
                    for entry, result in zip(batch, response["Entries"], strict=False)
                    if result.get("ErrorCode")
                ]
                entry, result = failed[0]
                raise SandboxError(
                    f"PutEvents to bus {entry['EventBusName']!r} refused {entry['DetailType']}: "
                    f"{result.get('ErrorCode')}: {result.get('ErrorMessage')}"
                )
        for queue_name, bodies in sends.items():
            url = self._resources.queue(queue_name).url
            for start in range(0, len(bodies), BATCH):
                entries = [
                    {"Id": str(index), "MessageBody": body}
                    for index, body in enumerate(bodies[start : start + BATCH])
                ]
                response = self._clients.sqs.send_message_batch(QueueUrl=url, Entries=entries)
                if response.get("Failed"):
                    raise SandboxError(f"SendMessageBatch to {queue_name!r}: {response['Failed']}")
        self.send_notifications()

    def send_notifications(self) -> None:
        """Publish what :meth:`publish_to_topic` recorded, per topic in order, with PublishBatch."""
        pending, self._pending_publishes = self._pending_publishes, {}
        for arn, notes in pending.items():
            for batch in _publish_batches(notes):
                entries = [
                    {"Id": str(index), "Subject": subject, "Message": message}
                    for index, (subject, message) in enumerate(batch)
                ]
                response = self._clients.sns.publish_batch(
                    TopicArn=arn, PublishBatchRequestEntries=entries
                )
                if response.get("Failed"):
                    raise SandboxError(f"PublishBatch to {arn}: {response['Failed']}")

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        text = _dumps(message)
        if self._held(lambda: self.publish_to_topic(topic, subject[:100], text)):
            return
        self.publish_to_topic(topic, subject[:100], text)

    # --- used by the sandbox itself ----------------------------------------------------------

    def publish_to_topic(self, topic: str, subject: str, message: str) -> None:
        try:
            arn = self._resources.topic_arn(topic)
        except KeyError as error:
            raise SandboxError(str(error.args[0])) from None
        now = self._clock.now()
        dims = {"TopicName": topic}
        self._metrics.put(SNS_NAMESPACE, "NumberOfMessagesPublished", dims, 1, at=now)
        if topic in self.failing_topics:
            # Delivery to every subscription fails (the sandbox's observer queue too, uncounted:
            # it is no subscription of the catalog's). SNS counts each failure when its
            # protocol's delivery policy says (sandbox.sns_delivery): an e-mail's hours later.
            for subscription in self._catalog.topic(topic).subscriptions:
                policy = sns_delivery.policy_for(subscription.protocol)
                for offset in policy.failure_offsets():
                    heapq.heappush(self._failures_due, (now + offset, topic))
                if subscription.dlq is not None:
                    body = sns_delivery.dlq_body(
                        topic_arn=arn,
                        subject=subject,
                        message=message,
                        at_iso=self._clock.datetime().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    )
                    at = now + sns_delivery.give_up_offset_s(subscription.protocol)
                    self.redrives.schedule(at=at, topic=topic, dlq=subscription.dlq, body=body)
            return
        self._pending_publishes.setdefault(arn, []).append((subject, message))
        self.notifications.append((now, topic, subject))
        self._metrics.put(SNS_NAMESPACE, "NumberOfNotificationsDelivered", dims, 1, at=now)
        observer = self._resources.observers.get(topic)
        if observer is not None:
            self.sent_to_queue(observer, message_key(message), now)

    def release_failures(self, until: float) -> int:
        """Count the failed SNS deliveries due by ``until`` in NumberOfNotificationsFailed, each at
        its own time, if its topic still fails then: a delivery SNS is still retrying when the
        subscriber is fixed succeeds at its next attempt and is never counted as failed. Called
        before the alarms evaluate a minute, so they see each failure in its minute."""
        counted = 0
        while self._failures_due and self._failures_due[0][0] <= until:
            at, topic = heapq.heappop(self._failures_due)
            if topic in self.failing_topics:
                dims = {"TopicName": topic}
                self._metrics.put(SNS_NAMESPACE, "NumberOfNotificationsFailed", dims, 1.0, at=at)
                counted += 1
        self._redrive_due(until)
        return counted

    def _redrive_due(self, until: float) -> None:
        """Move to its subscription's DLQ each failed notification whose retries ended by
        ``until`` while its topic still failed (see :mod:`sandbox.sns_delivery`)."""
        for redrive in self.redrives.take_due(until):
            if redrive.topic not in self.failing_topics:
                continue  # the subscriber was fixed: the next attempt delivered it
            url = self._resources.queue(redrive.dlq).url
            self._clients.sqs.send_message(QueueUrl=url, MessageBody=redrive.body)
            self.sent_to_queue(redrive.dlq, message_key(redrive.body), redrive.at)
            dims = {"TopicName": redrive.topic}
            self._metrics.put(
                SNS_NAMESPACE, "NumberOfNotificationsRedrivenToDlq", dims, 1.0, at=redrive.at
            )

    def sent_to_queue(self, queue: str, key: str, at: float) -> None:
        self._ledger.sent(queue, key, at)
        self._activity.touched(queue)
        self._metrics.put(SQS_NAMESPACE, "NumberOfMessagesSent", {"QueueName": queue}, 1, at=at)

    def collect_deliveries(self) -> None:
        """Account for what the failing rules' retries delivered (ledger, metrics, activity)."""
        if self.deliveries is not None:
            for queue, _body, key in self.deliveries.take_sent():
                self.sent_to_queue(queue, key, self._clock.now())

    def _envelope(self, event: PublishedEvent) -> dict[str, Any]:
        """The event as EventBridge hands it to a target."""
        digest = hashlib.md5(
            f"{event.at}:{event.detail_type}:{_dumps(event.detail)}".encode(),
            usedforsecurity=False,
        ).hexdigest()
        return {
            "version": "0",
            "id": str(uuid.UUID(digest)),
            "detail-type": event.detail_type,
            "source": event.source,
            "account": self._resources.account_id,
            "time": self._clock.datetime().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._resources.region,
            "resources": [],
            "detail": event.detail,
        }

    def _bus_for(self, detail_type: str) -> tuple[str, list[Rule]]:
        if not self._catalog.buses:
            raise SandboxError(
                f"{self._catalog.source_file}: a handler published {detail_type} but the catalog "
                "has no bus"
            )
        for bus in self._catalog.buses:
            matched = [r for r in bus.rules if detail_type in r.event_types]
            if matched:
                return bus.name, matched
        return self._catalog.buses[0].name, []


def _publish_batches(notes: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """``notes`` in order, at most :data:`BATCH` and :data:`PUBLISH_BATCH_BYTES` a batch."""
    batch: list[tuple[str, str]] = []
    size = 0
    for subject, message in notes:
        cost = len(subject.encode()) + len(message.encode())
        if batch and (len(batch) >= BATCH or size + cost > PUBLISH_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((subject, message))
        size += cost
    if batch:
        yield batch
