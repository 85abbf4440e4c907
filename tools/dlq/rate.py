"""At most N sends per second, on an injectable clock (tests count calls per simulated second)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Spaces calls ``1/rate`` seconds apart; ``rate`` None or 0 means unlimited."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate < 0:
            raise ValueError(f"rate: expected a positive number per second, got {rate}")
        self.interval = 1.0 / rate if rate else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval
