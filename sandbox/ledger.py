"""When each message entered each queue, on the simulated clock, for ApproximateAgeOfOldestMessage.

moto stamps messages with its own wall clock and SQS has no way to peek at a queue without
receiving, so the sandbox remembers when it (or EventBridge, on its behalf) sent each message,
keyed by the message's content. A message moved to a dead-letter queue by redrive starts a new
age there ("the DLQ's metric reflects the time the message was moved, not when it was first
sent" — SQS's metric documentation). Anything done to a queue outside the sandbox (a purge, a
replay tool) is reconciled from the queue's real message count at each sample: extra entries are
dropped oldest first, missing ones are assumed to have arrived at the sample time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import orjson


def message_key(body: str) -> str:
    """The same key for an event whether EventBridge wrapped it or not: its ``detail``."""
    try:
        value: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        value = body
    if isinstance(value, dict) and "detail-type" in value and "detail" in value:
        value = value["detail"]
    canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha1(canonical, usedforsecurity=False).hexdigest()


class QueueLedger:
    def __init__(self) -> None:
        self._entries: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def sent(self, queue: str, key: str, at: float) -> None:
        self._entries[queue].append((at, key))

    def removed(self, queue: str, key: str) -> float | None:
        """Forget one message (the first with ``key``, else the oldest); returns its sent time."""
        entries = self._entries[queue]
        for index, (at, candidate) in enumerate(entries):
            if candidate == key:
                del entries[index]
                return at
        return entries.pop(0)[0] if entries else None

    def sent_at(self, queue: str, key: str) -> float | None:
        """When the message with ``key`` entered ``queue`` (None if the ledger does not know)."""
        return next((at for at, candidate in self._entries[queue] if candidate == key), None)

    def moved(self, source: str, target: str, key: str, at: float) -> None:
        self.removed(source, key)
        self.sent(target, key, at)

    def count(self, queue: str) -> int:
        return len(self._entries[queue])

    def reconcile(self, queue: str, actual: int, at: float) -> None:
        entries = self._entries[queue]
        entries.sort(key=lambda e: e[0])
        if len(entries) > actual:
            del entries[: len(entries) - actual]
        while len(entries) < actual:
            entries.append((at, "unknown"))

    def oldest_age(self, queue: str, now: float) -> float | None:
        entries = self._entries[queue]
        if not entries:
            return None
        return max(0.0, now - min(at for at, _ in entries))
