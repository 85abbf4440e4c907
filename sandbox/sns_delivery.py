"""When SNS counts a failed delivery: its retry policy per protocol, and NumberOfNotificationsFailed.

SNS retries a failed delivery under the delivery policy of the subscription's protocol and counts
the failure in ``NumberOfNotificationsFailed`` at different moments per protocol
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html, and the metric's
definition in https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html):

- AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second apart, 10 with
  exponential backoff from 1 to 20 s, then 100,000 twenty seconds apart: 100,015 attempts over
  23 days. For SQS the metric "increments by 1 when Amazon SNS stops attempting"; for Lambda ("all
  other endpoints") by 1 "when the message fails to deliver": both at the end of the policy.
- Customer-managed endpoints (email, SMS, mobile push): no immediate retry, 2 ten seconds apart,
  10 with exponential backoff from 10 to 600 s, then 38 ten minutes apart: 50 attempts "over 6
  hours"; the metric increments by 1 when SNS stops attempting.
- HTTP/HTTPS: the default policy retries three times, 20 seconds apart
  (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html), and the metric counts
  *every* failed attempt, retries included.

When the policy is exhausted, SNS "stops retrying the delivery and discards the message—unless a
dead-letter queue is attached to the subscription" (same page): with a redrive policy the message
goes to the subscription's DLQ at the moment of the last attempt
(https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html), counted in
NumberOfNotificationsRedrivenToDlq. :class:`Redrives` keeps those moves until they fall due.

AWS documents the backoff only as "exponential from X to Y"; the sandbox spaces the backoff
attempts geometrically between those bounds. AWS applies jitter of an undocumented size; the
sandbox applies none, so runs stay reproducible. Both choices move the end of a 6-hour policy by
minutes, not hours.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeliveryPolicy:
    """The phases of one SNS delivery policy (delays in seconds, after the first attempt)."""

    immediate: int
    pre_backoff: int
    pre_backoff_delay_s: float
    backoff: int
    backoff_min_s: float
    backoff_max_s: float
    post_backoff: int
    post_backoff_delay_s: float
    counts_every_attempt: bool
    total_attempts: int
    """As AWS's table gives it: the phases' retries plus the first attempt (AWS counts the
    managed policy's 3 + 2 + 10 + 100,000 as 100,015 attempts, so the last retry is dropped)."""

    def attempt_offsets(self) -> list[float]:
        """Seconds after the publish at which each attempt (the first included) happens."""
        offsets = [0.0]
        at = 0.0
        offsets += [at] * self.immediate
        for _ in range(self.pre_backoff):
            at += self.pre_backoff_delay_s
            offsets.append(at)
        if self.backoff:
            ratio = (self.backoff_max_s / self.backoff_min_s) ** (1 / max(1, self.backoff - 1))
            for step in range(self.backoff):
                at += self.backoff_min_s * ratio**step
                offsets.append(at)
        for _ in range(self.post_backoff):
            at += self.post_backoff_delay_s
            offsets.append(at)
        return offsets[: self.total_attempts]

    def failure_offsets(self) -> list[float]:
        """Seconds after the publish at which NumberOfNotificationsFailed counts 1, when every
        attempt fails: each attempt for HTTP/S, else once, when the policy is exhausted."""
        offsets = self.attempt_offsets()
        return offsets if self.counts_every_attempt else [offsets[-1]]


AWS_MANAGED = DeliveryPolicy(3, 2, 1.0, 10, 1.0, 20.0, 100_000, 20.0, False, 100_015)
CUSTOMER_MANAGED = DeliveryPolicy(0, 2, 10.0, 10, 10.0, 600.0, 38, 600.0, False, 50)
HTTP_DEFAULT = DeliveryPolicy(0, 3, 20.0, 0, 1.0, 1.0, 0, 0.0, True, 4)

POLICIES: dict[str, DeliveryPolicy] = {
    "sqs": AWS_MANAGED,
    "lambda": AWS_MANAGED,
    "email": CUSTOMER_MANAGED,
    "sms": CUSTOMER_MANAGED,
    "http": HTTP_DEFAULT,
    "https": HTTP_DEFAULT,
}


def policy_for(protocol: str) -> DeliveryPolicy:
    """The delivery policy SNS applies to ``protocol``'s subscriptions."""
    return POLICIES[protocol]


def first_failure_count_s(protocols: list[str]) -> float | None:
    """Seconds from a failing publish until NumberOfNotificationsFailed first counts it, over a
    topic's subscription protocols (None: no subscription, so nothing can fail)."""
    if not protocols:
        return None
    return min(policy_for(p).failure_offsets()[0] for p in protocols)


def give_up_offset_s(protocol: str) -> float:
    """Seconds after the publish at which SNS makes its last attempt for ``protocol`` and then
    discards the message, or moves it to the subscription's dead-letter queue."""
    return policy_for(protocol).attempt_offsets()[-1]


def dlq_body(*, topic_arn: str, subject: str, message: str, at_iso: str) -> str:
    """What a subscription's DLQ receives: the notification as SNS would have delivered it (the
    JSON envelope an SQS subscriber without raw delivery gets; the signature fields omitted)."""
    digest = hashlib.md5(f"{topic_arn}:{at_iso}:{message}".encode(), usedforsecurity=False)
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.UUID(digest.hexdigest())),
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": at_iso,
    }
    return json.dumps(envelope, sort_keys=True)


@dataclass(order=True)
class Redrive:
    """One notification SNS will move to a subscription's DLQ at ``at``, if still undelivered."""

    at: float
    seq: int
    topic: str = field(compare=False)
    dlq: str = field(compare=False)
    body: str = field(compare=False)


@dataclass
class Redrives:
    """The notifications of failing subscriptions that have a DLQ, in the order they fall due."""

    _due: list[Redrive] = field(default_factory=list)
    _seq: int = 0

    def schedule(self, *, at: float, topic: str, dlq: str, body: str) -> None:
        self._seq += 1
        heapq.heappush(self._due, Redrive(at, self._seq, topic, dlq, body))

    def take_due(self, until: float) -> list[Redrive]:
        """The moves due by ``until``, oldest first (removed from the schedule)."""
        taken: list[Redrive] = []
        while self._due and self._due[0].at <= until:
            taken.append(heapq.heappop(self._due))
        return taken

    @property
    def pending(self) -> int:
        return len(self._due)
