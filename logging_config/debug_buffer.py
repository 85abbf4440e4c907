"""One invocation's DEBUG buffer and sampling decision, and where each rendered line goes.

Inside an invocation (a handler decorated with :func:`~logging_config.inject_lambda_context`, or
any block under :func:`invocation`), DEBUG lines below the configured level are not thrown away:
they are held, in order, in a buffer bounded in bytes (oldest dropped first), written just before
the first ERROR-or-worse line and before an uncaught exception is logged, and discarded when the
invocation ends cleanly. A sampled invocation (``debug_sample_rate``) writes its DEBUG lines
directly. Works the same outside Lambda and without X-Ray::

    import logging_config

    log = logging_config.get_logger("jobs")
    with logging_config.start_workflow(), logging_config.invocation():
        log.debug("loaded 3 rows")     # held
        log.error("row 2 is invalid")  # writes the DEBUG line, then the ERROR line
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from logging_config import sink, stats
from logging_config.config import STATE
from logging_config.levels import DEBUG, ERROR


class Invocation:
    """The per-invocation state: buffered DEBUG lines and whether DEBUG is sampled in."""

    __slots__ = ("lines", "size", "limit", "sampled", "dropped")

    def __init__(self, limit: int, sampled: bool) -> None:
        self.lines: deque[bytes] = deque()
        self.size = 0
        self.limit = limit
        self.sampled = sampled
        self.dropped = 0

    def hold(self, line: bytes) -> None:
        """Buffer one DEBUG line, dropping the oldest ones beyond the byte bound."""
        cost = len(line) + 1
        if cost > self.limit:
            self.dropped += 1
            stats.count("debug_dropped")
            return
        self.lines.append(line)
        self.size += cost
        while self.size > self.limit:
            self.size -= len(self.lines.popleft()) + 1
            self.dropped += 1
            stats.count("debug_dropped")

    def release(self) -> None:
        """Write the buffered lines, in order, and empty the buffer."""
        while self.lines:
            sink.write_line(self.lines.popleft())
        self.size = 0

    def discard(self) -> None:
        """Forget the buffered lines (a clean invocation)."""
        if self.lines:
            stats.count("debug_discarded", len(self.lines))
        self.lines.clear()
        self.size = 0


CURRENT: ContextVar[Invocation | None] = ContextVar("obskit_invocation", default=None)
_gate_lock = threading.Lock()


def wants(levelno: int) -> Invocation | bool:
    """Whether a line at ``levelno`` is written (True), held (the invocation) or dropped."""
    if levelno >= STATE.level:
        return True
    if levelno > DEBUG:
        return False
    current = CURRENT.get()
    if current is None:
        return False
    if current.sampled:
        return True
    if current.limit > 0:
        return current
    return False


def dispatch(levelno: int, line: bytes, held_by: Invocation | bool = True) -> None:
    """Send a rendered line where :func:`wants` decided; an ERROR line releases the buffer first."""
    if held_by is True:
        if levelno >= ERROR:
            current = CURRENT.get()
            if current is not None and current.lines:
                current.release()
        sink.write_line(line)
    elif isinstance(held_by, Invocation):
        held_by.hold(line)


def _draw() -> float:
    import random  # only when sampling is on

    return random.random()


def _adjust_active(delta: int) -> None:
    with _gate_lock:
        STATE.active_invocations += delta
        STATE.refresh_gates()


@contextmanager
def invocation(*, sample_rate: float | None = None) -> Iterator[Invocation]:
    """Hold DEBUG lines for one unit of work (see the module docstring).

    An exception escaping the block is logged at ERROR (after the held DEBUG lines) and re-raised.
    """
    rate = STATE.debug_sample_rate if sample_rate is None else sample_rate
    if not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
        raise ValueError(f"invocation: sample_rate must be between 0 and 1, got {rate!r}")
    state = Invocation(STATE.debug_buffer_bytes, rate > 0 and _draw() < rate)
    token = CURRENT.set(state)
    _adjust_active(1)
    try:
        yield state
    except BaseException as error:
        from logging_config.logger import log_uncaught

        log_uncaught(error)
        raise
    finally:
        state.discard()
        _adjust_active(-1)
        try:
            CURRENT.reset(token)
        except ValueError:
            CURRENT.set(None)
