"""Small helpers every Alchemiser service shares: the incoming detail, dedupe, the workflow name.

Kept apart from the handlers so each service module reads as its business logic only.
"""

from __future__ import annotations

from typing import Any

from logging_config import EventContext, Logger
from services.state import IdempotencyStore

#: The exact text logged when an event is delivered again; queries and drills search for it.
DUPLICATE_MESSAGE = "Duplicate event detected"
WORKFLOW = "trading"


def detail_of(ctx: EventContext, service: str) -> dict[str, Any]:
    """The incoming event's detail (``event_context`` found it in whatever envelope it came in)."""
    if not isinstance(ctx.detail, dict):
        raise ValueError(f"{service}: the incoming event carries no detail object")
    return ctx.detail


def is_duplicate(store: IdempotencyStore, key: str, log: Logger, **fields: Any) -> bool:
    """True (and logged on ``log``) when ``key`` is processed, or being processed, already.

    Otherwise this invocation now holds the key's claim (see :mod:`services.state`).
    """
    if not store.claim(key):
        log.warning(DUPLICATE_MESSAGE, dedupe_key=key, **fields)
        return True
    return False


def _missing(detail: dict[str, Any], key: str, what: str, service: str) -> ValueError:
    return ValueError(
        f"{service}: event {detail.get('event_id')!r} ({detail.get('event_type')}) needs {key!r} "
        f"as {what}, got {detail.get(key)!r}"
    )


def required_text(detail: dict[str, Any], key: str, service: str) -> str:
    """``detail[key]`` as a non-empty string, or a ``ValueError`` naming service, event and key."""
    value = detail.get(key)
    if not isinstance(value, str) or not value:
        raise _missing(detail, key, "a non-empty string", service)
    return value


def required_count(detail: dict[str, Any], key: str, service: str) -> int:
    """``detail[key]`` as a positive int, or a ``ValueError`` naming service, event and key."""
    value = detail.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _missing(detail, key, "a positive integer", service)
    return value
