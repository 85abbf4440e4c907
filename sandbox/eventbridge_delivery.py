"""EventBridge delivering to a rule's targets when moto cannot: retries, DLQs, and replays.

moto delivers every matching event at once and never fails, so a rule whose delivery is broken
(``Sandbox.inject_fault(rule, "deliver-fail[:REASON]", target="rule")``) has its targets removed
from moto and is delivered here instead. Semantics (EventBridge User Guide, "Event retry policy
and using dead-letter queues", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
and https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html; the
AWS/Events metric definitions in
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html):

- only a *retriable* failure is retried, "with an exponential back off and jitter" until the
  target's RetryPolicy runs out (MaximumRetryAttempts, or MaximumEventAgeInSeconds); each attempt
  counts InvocationAttempts;
- "for errors that result from missing permissions to a target, or if a target resource that no
  longer exists, no retry attempts will happen": those events go straight to the target's DLQ
  (``deliver-fail:no-permissions``, ``deliver-fail:no-resource``);
- "Invocations ... includes successful and failed invocations, but doesn't include throttled or
  retried attempts until they fail permanently": one per event and target, at its outcome;
- an invocation EventBridge throttles (the account's invocations-per-second quota,
  ``deliver-fail:throttled``) counts ThrottledRules ("the number of rule runs that were
  throttled") and is retried like any retriable failure;
- a permanent failure counts FailedInvocations ("only sent if it isn't zero") and, when the
  target has a dead-letter queue, the event goes there with EventBridge's message attributes
  (ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION = ``MaximumRetryAttempts`` or
  ``MaximumEventAgeInSeconds`` when retries ran out, RETRY_ATTEMPTS, RULE_ARN, TARGET_ARN) and
  InvocationsSentToDlq counts it;
- "EventBridge DLQs are standard Amazon SQS queues": a FIFO dead-letter queue is refused;
- once the fault is cleared, the next retry delivers (and the targets are back in moto).

Backoff: full jitter (a delay drawn between 0 and 1 s doubling, capped at 5 minutes, from the
sandbox's seed): AWS documents "exponential back off and jitter" but not its constants, so these
are ours.

Archive replays run inside moto_server (:mod:`sandbox.archive_replay`) on this sandbox's clock:
:class:`~sandbox.replay_clock.ReplayClock` hands the time over, and what a replay delivers is
accounted here like any other delivery (an active replay also keeps the sandbox from being idle).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog, Rule, RuleTarget
from sandbox.aws import Clients
from sandbox.clock import SimClock
from sandbox.errors import SandboxError
from sandbox.ledger import message_key
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.replay_clock import ReplayClock
from sandbox.resources import Resources, rule_target_entries, target_queue
from sandbox.rule_delivery import set_failing

EVENTS_NAMESPACE = "AWS/Events"
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 300.0


@dataclass(frozen=True)
class FailureReason:
    """Why delivery fails: EventBridge's ERROR_CODE, whether it retries, and its message."""

    code: str
    retried: bool
    message: str
    throttled: bool = False


REASONS: dict[str, FailureReason] = {
    "": FailureReason("CONNECTION_FAILURE", True, "could not connect to the target {target}"),
    "no-permissions": FailureReason(
        "NO_PERMISSIONS", False, "EventBridge is not allowed to invoke the target {target}"
    ),
    "no-resource": FailureReason("NO_RESOURCE", False, "the target {target} does not exist"),
    "throttled": FailureReason(
        "THROTTLING", True, "invocations of {target} were throttled", throttled=True
    ),
}
"""``deliver-fail[:REASON]`` → how the delivery fails (ERROR_CODE values from eb-rule-dlq.html)."""


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
        rng: random.Random | None = None,
    ) -> None:
        self._rules = {rule.name: (bus.name, rule) for bus, rule in catalog.rules()}
        self._region = catalog.region
        _refuse_fifo_dlqs(catalog)
        self._clients = clients
        self._resources = resources
        self._clock = clock
        self._metrics = metrics
        self._rng = rng or random.Random(0)
        self.failing: dict[str, FailureReason] = {}
        self._pending: list[_Pending] = []
        self.sent: list[tuple[str, str, str]] = []
        """(queue, body, key) delivered here since the last :meth:`take_sent`."""
        self.dead_lettered = 0
        self.failed = 0
        self.replays = ReplayClock(clients.endpoint_url)
        self.replayed = 0
        """Events archive replays delivered to a queue."""

    def rule(self, name: str) -> tuple[str, Rule]:
        try:
            return self._rules[name]
        except KeyError:
            raise SandboxError(f"unknown rule {name!r}; known: {sorted(self._rules)}") from None

    def fail(self, name: str, kind: str = "deliver-fail") -> None:
        """Break delivery to rule ``name``'s targets: ``deliver-fail`` (retriable) or
        ``deliver-fail:no-permissions`` / ``:no-resource`` (not retried) / ``:throttled``."""
        reason = failure_reason(kind)
        bus, rule = self.rule(name)
        if name not in self.failing and not self._hold(bus, name, failing=True):
            # a moto_server without the route: take the targets away instead (AWS keeps them)
            ids = [entry["Id"] for entry in rule_target_entries(rule, self._resources)]
            self._clients.events.remove_targets(Rule=name, EventBusName=bus, Ids=ids)
        self.failing[name] = reason

    def restore(self, name: str) -> None:
        bus, rule = self.rule(name)
        if name not in self.failing:
            return
        if not self._hold(bus, name, failing=False):
            targets = rule_target_entries(rule, self._resources)
            self._clients.events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        del self.failing[name]

    def _hold(self, bus: str, name: str, *, failing: bool) -> bool:
        """Hold (or resume) moto_server's own delivery to the rule's targets, which stay
        listed as on AWS (:mod:`sandbox.rule_delivery`); False without the route."""
        return set_failing(
            self._clients.endpoint_url,
            account=self._resources.account_id,
            region=self._region,
            bus=bus,
            rule=name,
            failing=failing,
        )

    def restore_all(self) -> None:
        for name in sorted(self.failing):
            self.restore(name)

    def attempt_failed(
        self, bus: str, rule: Rule, target: RuleTarget, envelope: dict[str, Any]
    ) -> None:
        """The first attempt at delivering ``envelope`` to ``target`` failed just now."""
        now = self._clock.now()
        self._attempted(bus, rule)
        pending = _Pending(
            now, 1, now, bus, rule, target, json.dumps(envelope, separators=(",", ":"))
        )
        self._after_failure(pending)

    @property
    def pending(self) -> int:
        """Events held for a retry, plus one while an archive replay may be under way."""
        return len(self._pending) + (1 if self.replays.busy else 0)

    def next_due(self) -> float | None:
        due = [p.due for p in self._pending]
        replay = self.replays.due(self._clock.now())
        if replay is not None:
            due.append(replay)
        return min(due, default=None)

    def run_due(self) -> int:
        now = self._clock.now()
        due = [p for p in self._pending if p.due <= now]
        self._pending = [p for p in self._pending if p.due > now]
        for pending in due:
            self._attempted(pending.bus, pending.rule)
            if pending.rule.name in self.failing:
                pending.attempts += 1
                self._after_failure(pending)
            else:
                self._deliver(pending)
        replayed = 0
        replay_due = self.replays.due(now)
        if replay_due is not None and replay_due <= now:
            replayed = self.tick_replays() + 1
        return len(due) + replayed

    def handed_over(self) -> None:
        """The endpoint is handed over (a command may run): tell the replay engine the time
        now, so StartReplay checks a window against the simulated clock, and look again at the
        next step, since the command may start a replay."""
        self.tick_replays()
        self.replays.unknown = self.replays.available

    def tick_replays(self) -> int:
        """Tell moto_server's replay engine the time; account for what it delivered."""
        tick = self.replays.tick(self._clock.now())
        for item in tick.delivered:
            self._count(item.bus, item.rule, "MatchedEvents")
            self._attempted(item.bus, item.rule)
            self._count(item.bus, item.rule, "Invocations")
            self.sent.append((item.queue, item.body, message_key(item.body)))
        self.replayed += len(tick.delivered)
        return len(tick.delivered)

    def take_sent(self) -> list[tuple[str, str, str]]:
        sent, self.sent = self.sent, []
        return sent

    def _after_failure(self, pending: _Pending) -> None:
        reason = self.failing.get(pending.rule.name, REASONS[""])
        if reason.throttled:
            self._count(pending.bus, pending.rule, "ThrottledRules")
        if not reason.retried:
            self._give_up(pending, reason, None)
            return
        policy = pending.target.retry_policy
        now = self._clock.now()
        retries_done = pending.attempts - 1
        if retries_done >= policy.maximum_retry_attempts:
            self._give_up(pending, reason, "MaximumRetryAttempts")
            return
        delay = self._rng.uniform(0.0, min(FIRST_RETRY_S * 2**retries_done, MAX_RETRY_S))
        if now + delay - pending.first_at > policy.maximum_event_age_s:
            self._give_up(pending, reason, "MaximumEventAgeInSeconds")
            return
        pending.due = now + delay
        self._pending.append(pending)

    def _deliver(self, pending: _Pending) -> None:
        queue = target_queue(pending.target, self._resources)
        self._send(queue.name, pending.body, group=pending.rule.name)
        self._count(pending.bus, pending.rule, "Invocations")

    def _give_up(self, pending: _Pending, reason: FailureReason, condition: str | None) -> None:
        self._count(pending.bus, pending.rule, "Invocations")
        self._count(pending.bus, pending.rule, "FailedInvocations")
        self.failed += 1
        if pending.target.dlq is None:
            return
        account, region = self._resources.account_id, self._resources.region
        queue = target_queue(pending.target, self._resources)
        attributes = {
            "ERROR_CODE": reason.code,
            "ERROR_MESSAGE": reason.message.format(target=queue.arn) + " (sandbox fault)",
            "RETRY_ATTEMPTS": str(pending.attempts - 1),
            "RULE_ARN": f"arn:aws:events:{region}:{account}:rule/{pending.bus}/{pending.rule.name}",
            "TARGET_ARN": queue.arn,
        }
        if condition is not None:
            attributes["EXHAUSTED_RETRY_CONDITION"] = condition
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

    def _attempted(self, bus: str, rule: Rule | str) -> None:
        self._count(bus, rule, "InvocationAttempts")

    def _count(self, bus: str, rule: Rule | str, metric: str) -> None:
        name = rule if isinstance(rule, str) else rule.name
        dims = {"EventBusName": bus, "RuleName": name}
        self._metrics.put(EVENTS_NAMESPACE, metric, dims, 1, at=self._clock.now())


def failure_reason(kind: str) -> FailureReason:
    """``deliver-fail`` or ``deliver-fail:REASON`` → its :class:`FailureReason`."""
    mode, _, reason = kind.partition(":")
    if mode != "deliver-fail" or reason not in REASONS:
        known = ", ".join(["deliver-fail", *(f"deliver-fail:{r}" for r in REASONS if r)])
        raise SandboxError(f"inject_fault: unknown kind {kind!r} for a rule; expected {known}")
    return REASONS[reason]


def _refuse_fifo_dlqs(catalog: Catalog) -> None:
    """EventBridge's dead-letter queues are standard SQS queues (eb-rule-dlq.html): refuse a FIFO
    one before anything is sent there, naming the rule and the queue."""
    fifo = {q.name for q in catalog.queues if q.fifo or q.name.endswith(".fifo")}
    for bus, rule in catalog.rules():
        for target in rule.targets:
            if target.dlq in fifo:
                raise SandboxError(
                    f"{catalog.source_file}: rule {rule.name!r} (bus {bus.name!r}): dead-letter "
                    f"queue {target.dlq!r} is a FIFO queue; EventBridge only sends undelivered "
                    "events to a standard SQS queue"
                )
