"""The duplicate check the two consumers share (EventBridge and Lambda deliver at least once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from logging_config import Logger
from tiny_reports_handlers import state

#: The exact text logged when an event arrives again (the generated duplicate queries search it).
DUPLICATE_MESSAGE = "Duplicate event detected"


@contextmanager
def first_delivery(service: str, event_id: str, log: Logger) -> Iterator[bool]:
    """Yield True if this is the first delivery of ``event_id`` to ``service`` (then an error in
    the block releases the claim, so Lambda's retry handles it); False, logged, if it is not."""
    key = f"{service}#{event_id}"
    if not state.claim(key):
        log.warning(DUPLICATE_MESSAGE, dedupe_key=key)
        yield False
        return
    try:
        yield True
    except BaseException:
        state.release(key)
        raise
