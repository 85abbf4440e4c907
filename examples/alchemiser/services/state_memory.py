"""The state store in one process's memory: for ``obskit demo local`` and the unit tests.

It keeps exactly the semantics of :mod:`services.state_dynamodb` (a claim succeeds once until it
is released or its deadline passes, a fan-in is closed by one caller only), so the handlers behave
the same with either. It is only right when every invocation runs in this one process: on Lambda
each execution environment is a process of its own, and in-memory state would be per environment.
Beyond ``capacity`` items the oldest are forgotten, as a table's TTL would expire them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True)
class Parts:
    """What a fan-in holds after adding a part: every part, whether this one was new, closed."""

    parts: dict[str, str]
    added: bool
    completed: bool


@dataclass
class _Item:
    status: str = ""
    expires_at: float = 0.0
    parts: dict[str, str] = field(default_factory=dict)
    completed: str | None = None


class MemoryBackend:
    """Items by partition key, in insertion order (oldest dropped first beyond ``capacity``)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, _Item] = OrderedDict()

    def _put(self, pk: str, item: _Item) -> _Item:
        self._items[pk] = item
        self._items.move_to_end(pk)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return item

    def claim(self, pk: str, now: float, until: float) -> bool:
        held = self._items.get(pk)
        if held is not None and not (held.status == "in_progress" and held.expires_at < now):
            return False
        self._put(pk, _Item(status="in_progress", expires_at=until))
        return True

    def confirm(self, pk: str, now: float) -> None:
        self._put(pk, _Item(status="done"))

    def release(self, pk: str) -> None:
        self._items.pop(pk, None)

    def add_part(self, pk: str, member: str, value: str, now: float) -> Parts:
        item = self._items.get(pk) or self._put(pk, _Item())
        added = item.completed is None and member not in item.parts
        if added:
            item.parts[member] = value
        return Parts(dict(item.parts), added=added, completed=item.completed is not None)

    def close(self, pk: str, token: str) -> bool:
        item = self._items.get(pk) or self._put(pk, _Item())
        if item.completed is not None:
            return False
        item.completed = token
        return True

    def reopen(self, pk: str, token: str) -> None:
        item = self._items.get(pk)
        if item is not None and item.completed == token:
            item.completed = None

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
