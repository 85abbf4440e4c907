"""The few lines every ingest handler shares: the duplicate check and the incoming detail."""

from __future__ import annotations

from typing import Any

from ingest_handlers.state import Seen
from logging_config import EventContext, Logger

#: The exact text logged when an event arrives again (the generated duplicate queries search it).
DUPLICATE_MESSAGE = "Duplicate event detected"


def is_duplicate(seen: Seen, key: str, log: Logger) -> bool:
    """True, and logged, when ``key`` is handled, or being handled, already (at-least-once
    delivery); otherwise this invocation now holds the key's claim (:mod:`ingest_handlers.state`)."""
    if not seen.claim(key):
        log.warning(DUPLICATE_MESSAGE, dedupe_key=key)
        return True
    return False


def detail_of(ctx: EventContext, service: str) -> dict[str, Any]:
    """The incoming event's detail, whatever envelope it came in (EventBridge, SQS body)."""
    if not isinstance(ctx.detail, dict):
        raise ValueError(f"{service}: the incoming event carries no detail object")
    return ctx.detail
