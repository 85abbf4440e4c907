"""The pollers Lambda runs in front of a function: its async-invoke queue and its SQS event source.

Both read their queue with ReceiveMessage and hold what they received invisible (a 12-hour wall
clock visibility timeout, so moto never releases a message by itself); the simulated clock
decides when a message comes back, and the poller makes it visible again then with
ChangeMessageVisibility 0. moto's redrive (move to the DLQ on the receive after maxReceiveCount)
and FIFO group ordering (no message of a group while one is in flight) then behave as SQS does.

:class:`AsyncInvokePoller` — Lambda's async queue (see :mod:`.lambda_semantics`): one event per
invocation, up to ``maximum_retry_attempts`` retries (1 and 2 minutes apart) on a function error,
events past ``maximum_event_age_s`` discarded, events for a function with reserved concurrency 0
given up at once; then the function's DLQ / on-failure destination (:mod:`.async_give_up`) or
nothing.

:class:`EventSourcePoller` — the SQS event source mapping: batches of up to ``batch_size``
records gathered for up to ``batching_window_s``, partial batch responses (``batchItemFailures``)
only with ``report_batch_item_failures``, a failed record back after the queue's visibility
timeout, the whole batch failed if the function raised, timed out or was throttled. Batches run side
by side as Lambda scales the mapping (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html):
a standard queue starts with five concurrent batches and "increases the number of processes that
are reading batches by up to 300 more instances per minute", at most 1,000 batches at once; a
FIFO queue keeps each message group in order (moto returns no message of a group while one of
it is in flight; a batch's messages are deleted when its invocation ends). Neither takes a batch
the function has no free concurrency for (the messages stay in the queue); a function throttled
by reserved concurrency 0 still has its batches received, its invokes throttled and retried, and
the records back after the visibility timeout with their receive count raised.

Invocations run on their own timelines (:mod:`sandbox.scheduler`): a batch's messages are deleted,
and the mapping looks for more, when its invocation ends; an async event is retried after a
function error counting from the end of the failed invocation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from catalog.models import Service
from sandbox import lambda_semantics
from sandbox.activity import Activity
from sandbox.async_give_up import LAMBDA_NAMESPACE, AsyncGiveUp
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.function_runner import FunctionRunner, Invocation
from sandbox.lambda_semantics import GiveUp
from sandbox.ledger import QueueLedger, message_key
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import QueueInfo, Resources
from sandbox.scheduler import Deferred
from sandbox.transport import SQS_NAMESPACE, SandboxTransport

#: Held messages stay invisible this long on the endpoint's wall clock (SQS's maximum, 12 h).
HOLD_VISIBILITY_S = 43_200
MAX_RECEIVE = 10
THROTTLE_POLL_INTERVAL_S = 10.0
#: SQS event source scaling (services-sqs-scaling.html): five concurrent batches to start with,
#: up to 300 more per minute while messages are available, at most 1,000 at once.
ESM_START_BATCHES = 5
ESM_BATCHES_PER_MINUTE = 300
ESM_MAX_BATCHES = 1000
#: A synchronous invocation's payload limit, which also ends an SQS batching window (6 MB).
SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024


@dataclass
class _Held:
    message_id: str
    receipt: str
    key: str
    release_at: float
    receive_count: int


class _Poller:
    def __init__(
        self,
        service: Service,
        queue: QueueInfo,
        *,
        clients: Clients,
        clock: SimClock,
        runner: FunctionRunner,
        ledger: QueueLedger,
        metrics: MetricsPublisher,
        transport: SandboxTransport,
        resources: Resources,
        activity: Activity,
        deferred: Deferred | None = None,
    ) -> None:
        self.service = service
        self._deferred = deferred if deferred is not None else Deferred()
        self._activity = activity
        self.queue = queue
        self._clients = clients
        self._clock = clock
        self._runner = runner
        self._ledger = ledger
        self._metrics = metrics
        self._transport = transport
        self._resources = resources
        self._held: dict[str, _Held] = {}
        self._to_delete: list[dict[str, Any]] = []

    @property
    def held(self) -> int:
        return len(self._held)

    def next_release(self) -> float | None:
        return min((h.release_at for h in self._held.values()), default=None)

    def release_due(self, now: float) -> int:
        due = [h for h in self._held.values() if h.release_at <= now]
        for held in due:
            del self._held[held.message_id]
            self._clients.sqs.change_message_visibility(
                QueueUrl=self.queue.url, ReceiptHandle=held.receipt, VisibilityTimeout=0
            )
            self._on_release(held, now)
            self._activity.touched(self.queue.name)
        return len(due)

    def _on_release(self, held: _Held, now: float) -> None:
        """Hook: a released message may be redriven on its next receive."""

    def _receive(self, count: int) -> list[dict[str, Any]]:
        if not self._activity.needs_poll(self.queue.name):
            return []
        self._activity.touched(self.queue.dlq)  # moto redrives on receive
        response = self._clients.sqs.receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=max(1, min(MAX_RECEIVE, count)),
            VisibilityTimeout=HOLD_VISIBILITY_S,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if messages:
            self._count("NumberOfMessagesReceived", len(messages))
        if len(messages) < count:
            # ReceiveMessage returned every visible message: the queue is empty until touched.
            self._activity.found_empty(self.queue.name)
        return messages

    def _delete(self, message: dict[str, Any]) -> None:
        """Delete later, in one DeleteMessageBatch per poll (see :meth:`_delete_pending`)."""
        self._to_delete.append(message)

    def _delete_pending(self) -> None:
        pending, self._to_delete = self._to_delete, []
        for start in range(0, len(pending), MAX_RECEIVE):
            batch = pending[start : start + MAX_RECEIVE]
            response = self._clients.sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )
            if response.get("Failed"):
                raise SandboxError(
                    f"DeleteMessageBatch on {self.queue.name!r}: {response['Failed']}"
                )
            for message in batch:
                self._ledger.removed(self.queue.name, message_key(message["Body"]))
        if pending:
            if self.queue.fifo:
                self._activity.touched(self.queue.name)  # the group's next message is free
            else:
                self._activity.changed(self.queue.name)
            self._count("NumberOfMessagesDeleted", len(pending))

    def _invoke(self, event: Any, trigger: str) -> Invocation:
        return self._runner.invoke(self.service.name, event, trigger)

    def _finish_poll(self) -> None:
        """Send what is due of what this poll's invocations published, then delete what they
        handled (one PutEvents / SendMessageBatch per poll instead of one per invocation)."""
        self._transport.flush()
        self._delete_pending()
        self._note_drained()

    def _note_drained(self) -> None:
        """Tell the sampler when this queue holds nothing (see :meth:`Activity.drained`)."""
        if not self._held and not self._to_delete:
            self._activity.drained(self.queue.name)

    def _hold(self, message: dict[str, Any], release_at: float) -> None:
        count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        self._held[message["MessageId"]] = _Held(
            message["MessageId"],
            message["ReceiptHandle"],
            message_key(message["Body"]),
            release_at,
            count,
        )

    def _count(self, metric: str, value: int) -> None:
        self._metrics.put(
            SQS_NAMESPACE, metric, {"QueueName": self.queue.name}, value, at=self._clock.now()
        )


class AsyncInvokePoller(_Poller):
    """Lambda's internal async queue of one function (the sandbox's delivery queue).

    Per event: ``AsyncEventsReceived`` when first seen, ``AsyncEventAge`` (since it was queued)
    at each attempt; an event older than the function's ``maximum_event_age_s`` is given up
    without running (EventAgeExceeded); a function error is retried ``maximum_retry_attempts``
    times; under reserved concurrency 0 the event is given up at once, without retries (see
    :mod:`.lambda_semantics`); :class:`~sandbox.async_give_up.AsyncGiveUp` writes it on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._failures: dict[str, int] = {}
        self._throttles: dict[str, int] = {}
        self._queued_at: dict[str, float] = {}
        self.give_ups = AsyncGiveUp(
            self.service,
            clients=self._clients,
            clock=self._clock,
            metrics=self._metrics,
            transport=self._transport,
            resources=self._resources,
        )

    @property
    def dead_lettered(self) -> int:
        return self.give_ups.counts.dead_lettered

    @property
    def discarded(self) -> int:
        return self.give_ups.counts.discarded

    def poll(self) -> int:
        messages = self._receive(MAX_RECEIVE)
        for message in messages:
            self._handle(message)
        self._finish_poll()
        return len(messages)

    def _handle(self, message: dict[str, Any]) -> None:
        message_id = message["MessageId"]
        now = self._clock.now()
        if message_id not in self._queued_at:
            sent = self._ledger.sent_at(self.queue.name, message_key(message["Body"]))
            self._queued_at[message_id] = sent if sent is not None else now
            self._put_lambda("AsyncEventsReceived", 1, now)
        age_s = now - self._queued_at[message_id]
        if lambda_semantics.event_expired(age_s, self.service.maximum_event_age_s):
            code = "429" if self._throttles.get(message_id) else "200"
            why = GiveUp(lambda_semantics.EVENT_AGE_EXCEEDED, code, "Event age exceeded")
            self._give_up(message, "", why)
            return
        if self._runner.is_throttled(self.service.name):
            self._runner.throttle(
                self.service.name, self.service.trigger, json.loads(message["Body"])
            )
            self._throttles[message_id] = self._throttles.get(message_id, 0) + 1
            why = GiveUp(
                lambda_semantics.RETRIES_EXHAUSTED,
                "429",
                "Rate Exceeded. (reserved concurrency is 0)",
            )
            self._give_up(message, "", why)
            return
        self._put_lambda("AsyncEventAge", round(age_s * 1000.0, 3), now, unit="Milliseconds")
        invocation = self._invoke(json.loads(message["Body"]), self.service.trigger)
        if invocation.throttled:  # no free concurrency (not a reservation of 0): retried
            self._throttled(message)
        elif invocation.failed:
            self._failed(message, invocation)
        else:
            self._delete(message)
            self._forget(message_id)

    def _throttled(self, message: dict[str, Any]) -> None:
        message_id = message["MessageId"]
        count = self._throttles[message_id] = self._throttles.get(message_id, 0) + 1
        self._hold(message, self._clock.now() + lambda_semantics.throttle_retry_delay(count))

    def _failed(self, message: dict[str, Any], invocation: Invocation) -> None:
        message_id = message["MessageId"]
        failures = self._failures[message_id] = self._failures.get(message_id, 0) + 1
        delay = lambda_semantics.async_retry_delay(failures, self.service.maximum_retry_attempts)
        if delay is None:
            reason = "Task timed out" if invocation.timed_out else str(invocation.error)
            why = GiveUp(lambda_semantics.RETRIES_EXHAUSTED, "200", reason, "Unhandled")
            self._give_up(message, invocation.request_id, why)
        else:  # "a one-minute wait" after the failed attempt, which ended at its own time
            self._hold(message, invocation.ended + delay)

    def _give_up(self, message: dict[str, Any], request_id: str, why: GiveUp) -> None:
        message_id = message["MessageId"]
        attempts = self._failures.get(message_id, 0) + self._throttles.get(message_id, 0)
        self.give_ups.give_up(message["Body"], message_id, request_id, why, max(1, attempts))
        self._delete(message)
        self._forget(message_id)

    def _forget(self, message_id: str) -> None:
        self._failures.pop(message_id, None)
        self._throttles.pop(message_id, None)
        self._queued_at.pop(message_id, None)

    def _put_lambda(self, metric: str, value: float, at: float, unit: str = "Count") -> None:
        self._metrics.put(
            LAMBDA_NAMESPACE,
            metric,
            {"FunctionName": str(self.service.function_name)},
            value,
            at=at,
            unit=unit,
        )


class EventSourcePoller(_Poller):
    """A Lambda SQS event source mapping on one of the catalog's queues.

    What becomes of a batch follows "Handling errors for an SQS event source in Lambda"
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):

    - the function raised or timed out: every record of the batch comes back after the queue's
      visibility timeout;
    - it returned ``batchItemFailures``: only when the mapping reports batch item failures
      (``report_batch_item_failures``, FunctionResponseTypes ReportBatchItemFailures) do the
      listed records come back (an invalid list fails the whole batch); otherwise the return
      value means nothing to Lambda: the invocation succeeded and the whole batch is deleted;
    - the invocation was throttled (reserved concurrency 0, or no free concurrency): Lambda
      received the batch and keeps retrying the invoke "until the message's timestamp exceeds
      your queue's visibility timeout" (a retry after the throttle ends runs the batch); the
      records then come back with their receive count raised, so ``maxReceiveCount`` throttled
      receives move them to the DLQ.

    The batching window (``batching_window_s``, MaximumBatchingWindowInSeconds) holds the
    received records back until the window has passed since the first of them, the batch holds
    ``batch_size`` records or its payload reaches 6 MB, whichever comes first
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html, and the 6 MB
    synchronous payload quota of
    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_throttle = 0.0
        self._retrying: set[str] = set()
        """Held messages whose invoke was throttled: Lambda retries them until they return."""
        self._throttled_batches: list[list[tuple[dict[str, Any], float]]] = []
        self._gathering: list[tuple[dict[str, Any], float]] = []
        """Received records waiting for the batching window, with their receive time."""
        self._window_ends = 0.0
        self.redriven = 0
        self._batch_ends: list[float] = []
        """When each batch still running (or waiting for its deletes) ends."""
        self._active_since: float | None = None
        """When the mapping last found messages after finding the queue empty (scaling)."""

    def max_batches(self, now: float) -> int:
        """How many batches the mapping runs at once at ``now`` (services-sqs-scaling.html)."""
        if self.queue.fifo or self._active_since is None:
            return ESM_MAX_BATCHES if self.queue.fifo else ESM_START_BATCHES
        minutes = (now - self._active_since) / 60.0
        return min(ESM_MAX_BATCHES, ESM_START_BATCHES + int(ESM_BATCHES_PER_MINUTE * minutes))

    @property
    def held(self) -> int:
        return super().held + len(self._gathering)

    def poll(self) -> int:
        now = self._clock.now()
        if self._retry_throttled(now):
            self._finish_poll()
        self._batch_ends = [end for end in self._batch_ends if end > now]
        name = self.service.name
        handled = 0
        while self._running_batches() < self.max_batches(now) and (
            self._runner.is_throttled(name) or self._runner.can_run(name, now)
        ):
            wanted = self.service.batch_size - len(self._gathering)
            messages = self._receive(min(wanted, MAX_RECEIVE)) if wanted > 0 else []
            if not self._gathering and messages:
                self._window_ends = now + self.service.batching_window_s
            self._gathering += [(m, now) for m in messages]
            if not self._gathering:
                break
            if not self._batch_ready(now):
                handled += len(messages)
                break
            if self._active_since is None:
                self._active_since = now
            batch, self._gathering = self._gathering, []
            self._run_batch(batch)
            handled += len(batch)
        if handled == 0 and not self._batch_ends and not self._gathering:
            self._active_since = None
            self._note_drained()
        self._finish_poll()
        return handled

    def _running_batches(self) -> int:
        """Batches the mapping has in hand: invocations running, throttled batches it retries."""
        retried = sum(
            1
            for batch in self._throttled_batches
            if any(m["MessageId"] in self._retrying for m, _ in batch)
        )
        return len(self._batch_ends) + retried

    def _batch_ready(self, now: float) -> bool:
        """Invoke now? The window passed, the batch is full, or it reached 6 MB."""
        if len(self._gathering) >= self.service.batch_size or now >= self._window_ends:
            return True
        size = sum(len(m["Body"].encode()) for m, _ in self._gathering)
        return size >= SYNC_PAYLOAD_LIMIT_BYTES

    def _run_batch(self, batch: list[tuple[dict[str, Any], float]]) -> None:
        """One invocation; its messages are deleted (or held, when they failed) at its end."""
        messages = [m for m, _ in batch]
        invocation = self._invoke({"Records": [self._record(m) for m in messages]}, "sqs")
        if invocation.throttled:
            self._next_throttle = self._clock.now() + THROTTLE_POLL_INTERVAL_S
            self._retrying |= {m["MessageId"] for m in messages}
            self._throttled_batches.append(batch)
        failed_ids = self._failed_ids(invocation, messages, self.service.report_batch_item_failures)
        done = []
        for message, received_at in batch:
            if message["MessageId"] in failed_ids:
                # the visibility timeout runs from the receive
                self._hold(message, received_at + self.queue.visibility_timeout_s)
            else:
                done.append(message)
        if invocation.throttled:
            return
        self._batch_ends.append(invocation.ended)
        self._deferred.at(invocation.ended, lambda: self._batch_done(done))

    def _batch_done(self, messages: list[dict[str, Any]]) -> None:
        """A batch's invocation ended: delete what it handled; the mapping polls again."""
        for message in messages:
            self._delete(message)
        self._delete_pending()
        self._activity.touched(self.queue.name)

    def _note_drained(self) -> None:
        if not self._batch_ends:
            super()._note_drained()

    def _retry_throttled(self, now: float) -> int:
        """Lambda keeps retrying a throttled batch while its records are in flight, once per
        retry interval (our interval: AWS documents a backoff, not its pace): one Throttles per
        retry while the function stays throttled; the first retry after the throttle ends runs
        the records still in flight. Returns how many records that retry ran."""
        if not self._retrying or now < self._next_throttle:
            return 0
        if self._runner.is_throttled(self.service.name):
            self._runner.throttle(self.service.name, "sqs")
            self._next_throttle = now + THROTTLE_POLL_INTERVAL_S
            return 0
        batches, self._throttled_batches = self._throttled_batches, []
        ran = 0
        for batch in batches:
            live = [(m, at) for m, at in batch if m["MessageId"] in self._retrying]
            for message, _ in live:
                self._retrying.discard(message["MessageId"])
                self._held.pop(message["MessageId"], None)
            if live:
                self._run_batch(live)
                ran += len(live)
        return ran

    def next_release(self) -> float | None:
        due = [super().next_release()]
        if self._retrying:
            due.append(self._next_throttle)
        if self._gathering:
            due.append(self._window_ends)
        return min((d for d in due if d is not None), default=None)

    @staticmethod
    def _failed_ids(
        invocation: Invocation, messages: list[dict[str, Any]], report_item_failures: bool
    ) -> set[str]:
        everything = {m["MessageId"] for m in messages}
        if invocation.failed or invocation.throttled:
            return everything
        response = invocation.response
        if not report_item_failures:
            return set()  # without ReportBatchItemFailures the response means nothing to Lambda
        if not isinstance(response, dict) or "batchItemFailures" not in response:
            return set()
        listed = response["batchItemFailures"]
        ids = (
            {item.get("itemIdentifier") for item in listed if isinstance(item, dict)}
            if isinstance(listed, list)
            else {None}
        )
        # "If the response is not valid ... Lambda treats the whole batch as a failure."
        if not ids <= everything:
            return everything
        return {i for i in ids if isinstance(i, str)}

    def _on_release(self, held: _Held, now: float) -> None:
        self._retrying.discard(held.message_id)
        if not self._retrying:
            self._throttled_batches.clear()
        limit = self.queue.max_receive_count
        if self.queue.dlq and limit is not None and held.receive_count >= limit:
            self._ledger.moved(self.queue.name, self.queue.dlq, held.key, now)
            self.redriven += 1

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        key = message_key(message["Body"])
        sent = self._ledger.sent_at(self.queue.name, key)
        sent_ms = str(int((sent if sent is not None else self._clock.now()) * 1000))
        record_attributes = {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": sent_ms,
            "SenderId": attributes.get("SenderId", "AIDAEVENTBRIDGE"),
            "ApproximateFirstReceiveTimestamp": str(self._clock.now_ms()),
        }
        for name in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber"):
            if name in attributes:
                record_attributes[name] = attributes[name]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": record_attributes,
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue.arn,
            "awsRegion": self._resources.region,
        }
