"""EventBridge failing to deliver to a rule's targets: retries, then the target's DLQ.

moto delivers every matching event at once and never fails, so a rule whose delivery is broken
(``Sandbox.inject_fault(rule, "deliver-fail", target="rule")``) has its targets removed from moto
and is delivered here instead. Semantics (eventbridge/latest/userguide/eb-rule-dlq.html and the
AWS/Events metric definitions in eb-monitoring.html):

- a failed attempt is retried with exponential backoff until the target's RetryPolicy runs out
  (MaximumRetryAttempts, or MaximumEventAgeInSeconds); each attempt counts InvocationAttempts;
- "Invocations ... includes successful and failed invocations, but doesn't include throttled or
  retried attempts until they fail permanently": one per event and target, at its outcome;
- a permanent failure counts FailedInvocations ("only sent if it isn't zero") and, when the
  target has a dead-letter queue, the event goes there with EventBridge's message attributes
  (ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS, RULE_ARN, TARGET_ARN)
  and InvocationsSentToDlq counts it;
- once the fault is cleared, the next retry delivers (and the targets are back in moto).

Backoff: 1 s doubling to at most 5 minutes; AWS documents "exponential back off and jitter" but
not its constants, so these are ours (no jitter: runs stay reproducible).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog, Rule, RuleTarget
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.ledger import message_key
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import Resources, rule_target_entries, target_queue

EVENTS_NAMESPACE = "AWS/Events"
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 300.0
ERROR_CODE = "SandboxTargetUnavailable"


@dataclass
class _Pending:
    due: float
    attempts: int
    first_at: float
    bus: str
    rule: Rule
    target: RuleTarget
    body: str


class RuleDeliveries:
    def __init__(
        self,
        catalog: Catalog,
        *,
        clients: Clients,
        resources: Resources,
        clock: SimClock,
        metrics: MetricsPublisher,
    ) -> None:
        self._rules = {rule.name: (bus.name, rule) for bus, rule in catalog.rules()}
        self._clients = clients
        self._resources = resources
        self._clock = clock
        self._metrics = metrics
        self.failing: set[str] = set()
        self._pending: list[_Pending] = []
        self.sent: list[tuple[str, str, str]] = []
        """(queue, body, key) delivered here since the last :meth:`take_sent`."""
        self.dead_lettered = 0
        self.failed = 0

    def rule(self, name: str) -> tuple[str, Rule]:
        try:
            return self._rules[name]
        except KeyError:
            raise SandboxError(f"unknown rule {name!r}; known: {sorted(self._rules)}") from None

    def fail(self, name: str) -> None:
        bus, rule = self.rule(name)
        if name in self.failing:
            return
        ids = [entry["Id"] for entry in rule_target_entries(rule, self._resources)]
        self._clients.events.remove_targets(Rule=name, EventBusName=bus, Ids=ids)
        self.failing.add(name)

    def restore(self, name: str) -> None:
        bus, rule = self.rule(name)
        if name not in self.failing:
            return
        targets = rule_target_entries(rule, self._resources)
        self._clients.events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        self.failing.discard(name)

    def restore_all(self) -> None:
        for name in sorted(self.failing):
            self.restore(name)

    def attempt_failed(
        self, bus: str, rule: Rule, target: RuleTarget, envelope: dict[str, Any]
    ) -> None:
        """The first attempt at delivering ``envelope`` to ``target`` failed just now."""
        now = self._clock.now()
        self._count(bus, rule, "InvocationAttempts")
        pending = _Pending(
            now, 1, now, bus, rule, target, json.dumps(envelope, separators=(",", ":"))
        )
        self._after_failure(pending)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def next_due(self) -> float | None:
        return min((p.due for p in self._pending), default=None)

    def run_due(self) -> int:
        now = self._clock.now()
        due = [p for p in self._pending if p.due <= now]
        self._pending = [p for p in self._pending if p.due > now]
        for pending in due:
            self._count(pending.bus, pending.rule, "InvocationAttempts")
            if pending.rule.name in self.failing:
                pending.attempts += 1
                self._after_failure(pending)
            else:
                self._deliver(pending)
        return len(due)

    def take_sent(self) -> list[tuple[str, str, str]]:
        sent, self.sent = self.sent, []
        return sent

    def _after_failure(self, pending: _Pending) -> None:
        policy = pending.target.retry_policy
        now = self._clock.now()
        retries_done = pending.attempts - 1
        if retries_done >= policy.maximum_retry_attempts:
            self._give_up(pending, "MaximumRetryAttemptsExhausted")
            return
        delay = min(FIRST_RETRY_S * 2**retries_done, MAX_RETRY_S)
        if now + delay - pending.first_at > policy.maximum_event_age_s:
            self._give_up(pending, "MaximumEventAgeExhausted")
            return
        pending.due = now + delay
        self._pending.append(pending)

    def _deliver(self, pending: _Pending) -> None:
        queue = target_queue(pending.target, self._resources)
        self._send(queue.name, pending.body, group=pending.rule.name)
        self._count(pending.bus, pending.rule, "Invocations")

    def _give_up(self, pending: _Pending, condition: str) -> None:
        self._count(pending.bus, pending.rule, "Invocations")
        self._count(pending.bus, pending.rule, "FailedInvocations")
        self.failed += 1
        if pending.target.dlq is None:
            return
        account, region = self._resources.account_id, self._resources.region
        queue = target_queue(pending.target, self._resources)
        attributes = {
            "ERROR_CODE": ERROR_CODE,
            "ERROR_MESSAGE": f"the target {queue.name} is unavailable (sandbox fault)",
            "EXHAUSTED_RETRY_CONDITION": condition,
            "RETRY_ATTEMPTS": str(pending.attempts - 1),
            "RULE_ARN": f"arn:aws:events:{region}:{account}:rule/{pending.bus}/{pending.rule.name}",
            "TARGET_ARN": queue.arn,
        }
        self._send(pending.target.dlq, pending.body, group=pending.rule.name, attributes=attributes)
        self._count(pending.bus, pending.rule, "InvocationsSentToDlq")
        self.dead_lettered += 1

    def _send(
        self, queue_name: str, body: str, *, group: str, attributes: dict[str, str] | None = None
    ) -> None:
        queue = self._resources.queue(queue_name)
        send: dict[str, Any] = {"QueueUrl": queue.url, "MessageBody": body}
        if attributes:
            send["MessageAttributes"] = {
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            }
        if queue.fifo:
            send["MessageGroupId"] = group
            send["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
        self._clients.sqs.send_message(**send)
        self.sent.append((queue_name, body, message_key(body)))

    def _count(self, bus: str, rule: Rule, metric: str) -> None:
        dims = {"EventBusName": bus, "RuleName": rule.name}
        self._metrics.put(EVENTS_NAMESPACE, metric, dims, 1, at=self._clock.now())
