"""What waits in a DLQ, grouped by event type and error: count, oldest age, sample IDs.

The grouping is what an operator needs to decide a replay: one error across every message is one
cause to fix; several errors are several incidents. Samples give the event_ids and correlation_ids
to trace (``obskit trace <correlation-id>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.dlq.messages import DlqMessage

SAMPLES = 3


@dataclass
class Group:
    event_type: str
    error: str
    origin: str
    count: int = 0
    oldest_sent_ms: int | None = None
    sample_event_ids: list[str] = field(default_factory=list)
    sample_correlation_ids: list[str] = field(default_factory=list)
    sample_message_ids: list[str] = field(default_factory=list)
    rule_arns: set[str] = field(default_factory=set)
    target_arns: set[str] = field(default_factory=set)

    def add(self, message: DlqMessage) -> None:
        self.count += 1
        sent = message.sent_timestamp_ms
        if sent is not None and (self.oldest_sent_ms is None or sent < self.oldest_sent_ms):
            self.oldest_sent_ms = sent
        if message.event_id and len(self.sample_event_ids) < SAMPLES:
            self.sample_event_ids.append(message.event_id)
        cid = message.correlation_id
        if (
            cid
            and cid not in self.sample_correlation_ids
            and len(self.sample_correlation_ids) < SAMPLES
        ):
            self.sample_correlation_ids.append(cid)
        if len(self.sample_message_ids) < SAMPLES:
            self.sample_message_ids.append(message.message_id)
        if message.rule_arn:
            self.rule_arns.add(message.rule_arn)
        if message.target_arn:
            self.target_arns.add(message.target_arn)

    def oldest_age_s(self, now_ms: int) -> float | None:
        if self.oldest_sent_ms is None:
            return None
        return max(0.0, (now_ms - self.oldest_sent_ms) / 1000)

    def as_json(self, now_ms: int) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "error": self.error,
            "origin": self.origin,
            "count": self.count,
            "oldest_age_s": self.oldest_age_s(now_ms),
            "sample_event_ids": self.sample_event_ids,
            "sample_correlation_ids": self.sample_correlation_ids,
            "sample_message_ids": self.sample_message_ids,
            "rule_arns": sorted(self.rule_arns),
            "target_arns": sorted(self.target_arns),
        }


def _origin_and_error(message: DlqMessage, redrive_sources: Sequence[str]) -> tuple[str, str]:
    """A message without any producer's attributes in a DLQ of SQS queues came by redrive
    (some endpoints, e.g. moto, do not set DeadLetterQueueSourceArn)."""
    if message.origin == "unknown" and redrive_sources:
        return "sqs-redrive", f"redriven from {', '.join(redrive_sources)} (no error recorded)"
    return message.origin, message.error


def group_messages(
    messages: Sequence[DlqMessage], redrive_sources: Sequence[str] = ()
) -> list[Group]:
    """Groups by (event type, error), largest first, then by name for a stable order."""
    groups: dict[tuple[str, str, str], Group] = {}
    ordered = sorted(messages, key=lambda m: (m.sent_timestamp_ms or 0, m.message_id))
    for message in ordered:
        origin, error = _origin_and_error(message, redrive_sources)
        key = (message.event_type, error, origin)
        groups.setdefault(key, Group(*key)).add(message)
    return sorted(groups.values(), key=lambda g: (-g.count, g.event_type, g.error))


def report(
    queue: str,
    messages: Sequence[DlqMessage],
    now_ms: int,
    redrive_sources: Sequence[str] = (),
) -> dict[str, Any]:
    groups = group_messages(messages, redrive_sources)
    ages = [a for a in (g.oldest_age_s(now_ms) for g in groups) if a is not None]
    return {
        "queue": queue,
        "messages": len(messages),
        "distinct_events": len({m.key for m in messages}),
        "oldest_age_s": max(ages) if ages else None,
        "redrive_sources": list(redrive_sources),
        "groups": [g.as_json(now_ms) for g in groups],
    }
