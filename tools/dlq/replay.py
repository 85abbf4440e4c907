"""Replay a DLQ message by message: receive → send → delete, journaled, rate-limited, stoppable.

Guarantees, for the tool itself (consumers still see at-least-once delivery, as always):
- nothing lost: a message is deleted only after its send succeeded and was journaled; on any stop
  (Ctrl-C, an error) every message this run holds is made visible again;
- nothing sent twice: the journal (:mod:`tools.dlq.journal`) tells a message already sent (same
  MessageId) from another message of an event already sent, and FIFO targets get a
  deduplication id derived from the event_id;
- at most ``rate`` sends per second, at most ``max`` messages per run.

Another message of an event already sent is one of two things, and only the journal's markers
tell which: it *came back after a replay* (poison) when it carries the id AWS gave a copy obskit
sent (:mod:`tools.dlq.targets`: the SQS MessageId, which a message keeps when SQS moves it to the
DLQ; the EventBridge event id; the Lambda request id); otherwise it is a *duplicate within the
DLQ*, a second copy that was dead-lettered on its own (at-least-once delivery, a producer's
retry) and was never replayed. Neither is sent again: both are left in the DLQ (and reported), or
moved to ``park`` when given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.dlq.journal import Journal
from tools.dlq.messages import DlqMessage
from tools.dlq.peek import receive, release
from tools.dlq.rate import RateLimiter
from tools.dlq.targets import ReplayError, Sender, Target, resolve

DEFAULT_VISIBILITY_S = 60


@dataclass
class ReplayResult:
    sent: list[str] = field(default_factory=list)
    """Keys (event_ids) sent to their target this run."""
    finished: list[str] = field(default_factory=list)
    """Keys sent by an earlier, interrupted run: deleted now without sending again."""
    poison: list[str] = field(default_factory=list)
    """Keys of messages that came back after a replay (they carry a journaled marker)."""
    duplicates: list[str] = field(default_factory=list)
    """Keys of further DLQ copies of an event already sent, never replayed themselves."""
    parked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    planned: list[tuple[str, str, str]] = field(default_factory=list)
    """Dry run: (key, action, target) for every message."""
    interrupted: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": len(self.sent),
            "finished_from_earlier_run": len(self.finished),
            "poison": self.poison,
            "duplicates": self.duplicates,
            "parked": self.parked,
            "failed": [{"message_id": m, "error": e} for m, e in self.failed],
            "planned": [{"key": k, "action": a, "target": t} for k, a, t in self.planned],
            "interrupted": self.interrupted,
        }


@dataclass
class Replayer:
    sqs: Any
    sender: Sender
    journal: Journal
    url: str
    mode: Target | str = "auto"
    sources: list[str] = field(default_factory=list)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(None))
    max_messages: int | None = None
    dry_run: bool = False
    park: str | None = None
    lambda_function: str | None = None
    visibility_s: int = DEFAULT_VISIBILITY_S
    wait_s: int = 0
    on_progress: Callable[[str, DlqMessage], None] = lambda action, message: None

    def run(self) -> ReplayResult:
        result = ReplayResult()
        held: dict[str, DlqMessage] = {}  # received by this run and not deleted
        seen: set[str] = set()
        try:
            while self.max_messages is None or len(seen) < self.max_messages:
                want = 10 if self.max_messages is None else self.max_messages - len(seen)
                batch = receive(
                    self.sqs,
                    self.url,
                    visibility_s=self.visibility_s,
                    wait_s=self.wait_s,
                    limit=want,
                )
                fresh = [m for m in batch if m.message_id not in seen]
                for message in batch:
                    held[message.message_id] = message
                if not fresh:
                    break
                for message in fresh:
                    if self.max_messages is not None and len(seen) >= self.max_messages:
                        break
                    seen.add(message.message_id)
                    if self._handle(message, result):
                        held.pop(message.message_id, None)
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            release(self.sqs, self.url, held.values())
        return result

    def _handle(self, message: DlqMessage, result: ReplayResult) -> bool:
        """Process one message; True when it left the DLQ."""
        key = message.key
        entry = self.journal.of_message(key, message.message_id)
        try:
            target = resolve(message, self.mode, self.sources, self.lambda_function)
        except ReplayError as error:
            result.failed.append((message.message_id, str(error)))
            self.on_progress("failed", message)
            return False
        if entry is not None and entry.state in {"sent", "deleted"}:
            if self.dry_run:
                result.planned.append((key, "delete (sent by an earlier run)", entry.target))
                return False
            self._delete(message)
            self.journal.record(key, message.message_id, "deleted", entry.target)
            result.finished.append(key)
            self.on_progress("finished", message)
            return True
        if self.journal.get(key) is not None:
            came_back = bool(_identities(message) & self.journal.markers(key))
            return self._set_aside(message, result, "poison" if came_back else "duplicate")
        if self.dry_run:
            result.planned.append((key, "send", str(target)))
            self.on_progress("planned", message)
            return False
        self.limiter.wait()
        try:
            marker = self.sender.send(message, target)
        except ReplayError as error:
            result.failed.append((message.message_id, str(error)))
            self.on_progress("failed", message)
            return False
        self.journal.record(key, message.message_id, "sent", str(target), marker)
        self._delete(message)
        self.journal.record(key, message.message_id, "deleted", str(target))
        result.sent.append(key)
        self.on_progress("sent", message)
        return True

    def _set_aside(self, message: DlqMessage, result: ReplayResult, kind: str) -> bool:
        """A poison or duplicate message: never sent again; kept, or parked when asked."""
        key = message.key
        (result.poison if kind == "poison" else result.duplicates).append(key)
        if self.dry_run:
            result.planned.append(
                (
                    key,
                    kind + (" → park" if self.park else ""),
                    f"sqs:{self.park}" if self.park else "-",
                )
            )
            return False
        if self.park is None:
            self.journal.record(key, message.message_id, kind, "-")
            self.on_progress(kind, message)
            return False
        park = Target("sqs", self.park)
        try:
            self.sender.send(message, park)
        except ReplayError as error:
            result.failed.append((message.message_id, str(error)))
            self.on_progress("failed", message)
            return False
        self.journal.record(key, message.message_id, "parked", str(park))
        self._delete(message)
        result.parked.append(key)
        self.on_progress("parked", message)
        return True

    def _delete(self, message: DlqMessage) -> None:
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt_handle)


def _identities(message: DlqMessage) -> set[str]:
    """Every id under which AWS may have handed obskit's send back: the SQS MessageId, the
    EventBridge event's ``id``, the ``RequestID`` attribute of Lambda's DLQ message."""
    found = {message.message_id}
    envelope = message.envelope
    if envelope is not None and envelope.get("id"):
        found.add(str(envelope["id"]))
    request = message.message_attributes.get("RequestID") or {}
    if request.get("StringValue"):
        found.add(str(request["StringValue"]))
    return found
