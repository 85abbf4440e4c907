"""What the services remember between invocations: processed event IDs and fan-in progress.

A deployed Alchemiser keeps this in DynamoDB (a conditional put per event_id, an item per
workflow); here it lives in the process, which is what one warm Lambda container — or the in-process
sandbox — sees. Stores register themselves so :func:`reset_all` can give a test or a drill a clean
slate.

Dedupe is by ``event_id`` (or a key derived from it), never by SQS MessageId: a redriven message
gets a new MessageId but is the same event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")

DEFAULT_CAPACITY = 10_000


class _Clearable(Protocol):
    def clear(self) -> None: ...


_registry: list[_Clearable] = []


class IdempotencyStore:
    """The keys of events already processed, oldest forgotten first beyond ``capacity``."""

    def __init__(self, name: str, capacity: int = DEFAULT_CAPACITY) -> None:
        self.name = name
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()
        _registry.append(self)

    def seen(self, key: str) -> bool:
        return key in self._keys

    def mark(self, key: str) -> None:
        """Remember ``key`` as processed; call after the work succeeded, so a retry redoes it."""
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)

    def clear(self) -> None:
        self._keys.clear()

    def __len__(self) -> int:
        return len(self._keys)


class WorkflowState(Generic[T]):
    """Per-correlation state of a fan-in aggregator, plus the correlations already completed."""

    def __init__(
        self, name: str, factory: Callable[[], T], capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self.name = name
        self.capacity = capacity
        self._factory = factory
        self._open: OrderedDict[str, T] = OrderedDict()
        self._done: OrderedDict[str, None] = OrderedDict()
        _registry.append(self)

    def get(self, correlation_id: str) -> T:
        """The state of ``correlation_id``, created empty on first use."""
        state = self._open.get(correlation_id)
        if state is None:
            state = self._open[correlation_id] = self._factory()
            while len(self._open) > self.capacity:
                self._open.popitem(last=False)
        return state

    def complete(self, correlation_id: str) -> None:
        """Mark the fan-in of ``correlation_id`` done and drop its state."""
        self._open.pop(correlation_id, None)
        self._done[correlation_id] = None
        while len(self._done) > self.capacity:
            self._done.popitem(last=False)

    def is_complete(self, correlation_id: str) -> bool:
        return correlation_id in self._done

    def open_correlations(self) -> list[str]:
        return list(self._open)

    def clear(self) -> None:
        self._open.clear()
        self._done.clear()


def reset_all() -> None:
    """Empty every store in the process (between tests, drills and demo runs)."""
    for store in _registry:
        store.clear()
