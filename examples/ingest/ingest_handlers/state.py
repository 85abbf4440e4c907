"""What the handlers remember between invocations: the keys of the events they handled.

On Lambda every execution environment is a process of its own and several run at once, so the
keys live in one DynamoDB table they all share (:mod:`ingest_handlers.state_dynamodb`); without
a table configured (local runs, unit tests) the same interface runs in memory
(:mod:`ingest_handlers.state_memory`).

**Claim, then confirm**: a handler claims the event's key first (a conditional write), so a
duplicate delivered at the same moment to another environment finds the claim and is dropped;
:func:`idempotent` confirms the claim when the handler returns and releases it when it raises,
so a retry after a failure redoes the work. A claim left by an invocation that died (a timeout)
lapses at its deadline. Keys are ``event_id`` (or a request id), never an SQS MessageId: a
redriven message gets a new MessageId but is the same event.

Hooks the sandbox calls (docs/services.md): :func:`tables`, :func:`set_client`,
:func:`reset_all`. Deployed, ``STATE_TABLE`` names the table.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ingest_handlers import runtime
from ingest_handlers.state_memory import MemoryClaims

TABLE_ENV = "STATE_TABLE"
DEFAULT_CLAIM_S = 900.0
"""How long a claim holds when the context cannot say (Lambda's longest timeout)."""


class Claims(Protocol):
    def claim(self, key: str, now: float, until: float) -> bool: ...

    def confirm(self, key: str, now: float) -> None: ...

    def release(self, key: str) -> None: ...

    def clear(self) -> None: ...


def table_name() -> str:
    """The state table: ``$STATE_TABLE``, else ``ingest-{stage}-state``."""
    return os.environ.get(TABLE_ENV) or f"ingest-{runtime.stage()}-state"


def tables() -> list[dict[str, str]]:
    """The tables this package needs (the sandbox creates them): name and string partition key."""
    return [{"name": table_name(), "key": "pk"}]


_client: Any = None
_store: Claims | None = None


def set_client(client: Any) -> None:
    """Keep claims in DynamoDB through ``client`` (one per process); None: back to the default."""
    global _client, _store
    _client, _store = client, None


def store() -> Claims:
    """The client given, else DynamoDB if ``$STATE_TABLE`` is set, else memory."""
    global _store
    if _store is None:
        client = _client
        if client is None and os.environ.get(TABLE_ENV):
            import boto3  # lazy: only a deployed function pays for it

            client = boto3.client("dynamodb")
        if client is None:
            _store = MemoryClaims()
        else:
            from ingest_handlers.state_dynamodb import DynamoClaims

            _store = DynamoClaims(client, table_name())
    return _store


def reset_all() -> None:
    """Forget every key (a test, a drill or a new sandbox starts clean)."""
    store().clear()


@dataclass
class _Invocation:
    deadline: float
    claims: list[tuple[Claims, str]] = field(default_factory=list)


_current: ContextVar[_Invocation | None] = ContextVar("ingest_state_invocation", default=None)
R = TypeVar("R")


def idempotent(handler: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """Settle the claims ``handler`` makes: confirmed if it returns, released if it raises."""

    @functools.wraps(handler)
    def settled(event: Any, context: Any) -> R:
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        seconds = remaining() / 1000.0 if callable(remaining) else DEFAULT_CLAIM_S
        invocation = _Invocation(runtime.now() + max(0.0, float(seconds)))
        token = _current.set(invocation)
        try:
            result = handler(event, context)
        except BaseException:
            for claims, key in reversed(invocation.claims):
                with contextlib.suppress(Exception):  # the handler's error is the one to report
                    claims.release(key)
            raise
        finally:
            _current.reset(token)
        now = runtime.now()
        for claims, key in invocation.claims:
            claims.confirm(key, now)
        return result

    return settled


class Seen:
    """The keys one service has handled (or is handling right now)."""

    def __init__(self, service: str) -> None:
        self.service = service

    def claim(self, key: str) -> bool:
        """True if this invocation may handle ``key`` (inside a handler wrapped in idempotent)."""
        invocation = _current.get()
        if invocation is None:
            raise RuntimeError(
                f"{self.service}: claim of {key!r} outside a handler wrapped in state.idempotent"
            )
        claims = store()
        full_key = f"{self.service}#event#{key}"
        if not claims.claim(full_key, runtime.now(), invocation.deadline):
            return False
        invocation.claims.append((claims, full_key))
        return True
