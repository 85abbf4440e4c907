"""Side effects held until their simulated time: the discrete-event part of the scheduler.

An invocation runs at once in Python but on its own timeline (:meth:`SimClock.local_timeline`):
what it sends at local time *t* (an event, a message, an async invoke, a notification) and when
its execution environment and its SQS batch are done must not be seen by the rest of the system
before *t*. :class:`Deferred` keeps those actions in time order; the sandbox's loop releases
each when the scheduler's time reaches it (ties in the order they were held, by a sequence
number, so the same seed gives the same bytes).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class _Action:
    at: float
    seq: int
    run: Callable[[], None] = field(compare=False)


class Deferred:
    """Actions due at simulated times, released in (time, sequence) order."""

    def __init__(self) -> None:
        self._heap: list[_Action] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, moment: float, action: Callable[[], None]) -> None:
        """Run ``action`` once the scheduler's time reaches ``moment``."""
        heapq.heappush(self._heap, _Action(float(moment), next(self._seq), action))

    def next_due(self) -> float | None:
        return self._heap[0].at if self._heap else None

    def run_due(self, now: float) -> int:
        """Run every action due by ``now`` (including those they hold for ``now``); how many."""
        ran = 0
        while self._heap and self._heap[0].at <= now:
            heapq.heappop(self._heap).run()
            ran += 1
        return ran
