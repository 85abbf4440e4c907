"""The claim store in this process's memory: for local runs and unit tests without a table.

Same semantics as :mod:`ingest_handlers.state_dynamodb` (a key is claimed once until released
or its deadline passes), but right only while every invocation runs in this one process: on
Lambda each execution environment is a process of its own. Beyond ``capacity`` keys the oldest
are forgotten, as the table's TTL would expire them.
"""

from __future__ import annotations

from collections import OrderedDict

CAPACITY = 10_000


class MemoryClaims:
    """key -> (status, deadline of an in-progress claim), oldest dropped first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def _put(self, key: str, status: str, until: float) -> None:
        self._items[key] = (status, until)
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def claim(self, key: str, now: float, until: float) -> bool:
        held = self._items.get(key)
        if held is not None and not (held[0] == "in_progress" and held[1] < now):
            return False
        self._put(key, "in_progress", until)
        return True

    def confirm(self, key: str, now: float) -> None:
        self._put(key, "done", 0.0)

    def release(self, key: str) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
