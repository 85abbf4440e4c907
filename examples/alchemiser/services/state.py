"""What the services remember between invocations: processed event IDs and fan-in progress.

On Lambda every execution environment is a process of its own and several run at once, so this
state cannot live in module globals: it lives in one DynamoDB table shared by all of them
(:mod:`services.state_dynamodb`). Without a table configured — ``obskit demo local``, the unit
tests — the same interface runs in memory (:mod:`services.state_memory`), which is right only
while every invocation runs in this one process.

Idempotency is **claim, then confirm** (:func:`idempotent` and :meth:`IdempotencyStore.claim`):
the first thing a handler does is claim the event's key with a conditional write; a duplicate,
even one delivered at the same moment to another execution environment, finds the claim and is
dropped. The claim is confirmed when the handler returns and released when it raises, so a retry
after a failure (a ``crash`` fault, a refused publish) redoes the work. A claim whose invocation
died without releasing it (a timeout) lapses at that invocation's deadline, so the retry Lambda
or SQS makes afterwards can take it. Marking only after success, with a read first, would let two
concurrent deliveries both read "not seen" and both do the work.

Dedupe is by ``event_id`` (or a key derived from it), never by SQS MessageId: a redriven message
gets a new MessageId but is the same event.

Hooks the sandbox calls (docs/services.md): :func:`tables` lists the table to create,
:func:`set_client` hands over a DynamoDB client on its endpoint, :func:`reset_all` empties it.
Deployed, ``STATE_TABLE`` names the table and boto3 finds DynamoDB the ordinary way (honouring
``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from services import runtime
from services.state_memory import MemoryBackend, Parts

TABLE_ENV = "STATE_TABLE"
DEFAULT_CLAIM_S = 900.0
"""How long a claim holds when the context cannot say (Lambda's longest timeout)."""


class Backend(Protocol):
    """The operations both stores offer, each one atomic."""

    def claim(self, pk: str, now: float, until: float) -> bool: ...

    def confirm(self, pk: str, now: float) -> None: ...

    def release(self, pk: str) -> None: ...

    def add_part(self, pk: str, member: str, value: str, now: float) -> Parts: ...

    def close(self, pk: str, token: str) -> bool: ...

    def reopen(self, pk: str, token: str) -> None: ...

    def clear(self) -> None: ...


def table_name() -> str:
    """The state table: ``$STATE_TABLE``, else ``alchemiser-{stage}-state``."""
    return os.environ.get(TABLE_ENV) or f"{runtime.SYSTEM}-{runtime.stage()}-state"


def tables() -> list[dict[str, str]]:
    """The tables this package needs (the sandbox creates them): name and string partition key."""
    return [{"name": table_name(), "key": "pk"}]


_client: Any = None
_backend: Backend | None = None


def set_client(client: Any) -> None:
    """Keep state in DynamoDB through ``client`` (one per process, reused); None: back to default."""
    global _client, _backend
    _client, _backend = client, None


def backend() -> Backend:
    """The store in use: the client given, else DynamoDB if ``$STATE_TABLE`` is set, else memory."""
    global _backend
    if _backend is None:
        client = _client
        if client is None and os.environ.get(TABLE_ENV):
            import boto3  # lazy: only a deployed function pays for it

            client = boto3.client("dynamodb")
        if client is None:
            _backend = MemoryBackend()
        else:
            from services.state_dynamodb import DynamoBackend

            _backend = DynamoBackend(client, table_name())
    return _backend


def reset_all() -> None:
    """Forget everything (between tests, drills and demo runs): empty the store in use."""
    backend().clear()


@dataclass
class _Invocation:
    deadline: float
    claims: list[tuple[Backend, str]] = field(default_factory=list)


_current: ContextVar[_Invocation | None] = ContextVar("services_state_invocation", default=None)
R = TypeVar("R")


def _deadline(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = remaining() / 1000.0 if callable(remaining) else DEFAULT_CLAIM_S
    return runtime.now() + max(0.0, float(seconds))


def idempotent(handler: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """Settle the claims ``handler`` makes: confirmed if it returns, released if it raises.

    Put it under ``inject_lambda_context`` (per record too: each record is settled on its own).
    A release that fails is not raised over the handler's own error: the claim lapses at the
    invocation's deadline anyway.
    """

    @functools.wraps(handler)
    def settled(event: Any, context: Any) -> R:
        invocation = _Invocation(_deadline(context))
        token = _current.set(invocation)
        try:
            result = handler(event, context)
        except BaseException:
            for store, pk in reversed(invocation.claims):
                with contextlib.suppress(Exception):  # the handler's error is the one to report
                    store.release(pk)
            raise
        finally:
            _current.reset(token)
        now = runtime.now()
        for store, pk in invocation.claims:
            store.confirm(pk, now)
        return result

    return settled


class IdempotencyStore:
    """The keys of the events one service has processed (or is processing right now)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def claim(self, key: str) -> bool:
        """True if this invocation may process ``key``; False if it is processed or in progress.

        Only inside a handler wrapped in :func:`idempotent`, which settles the claim.
        """
        invocation = _current.get()
        if invocation is None:
            raise RuntimeError(
                f"{self.name}: claim of {key!r} outside a handler wrapped in state.idempotent"
            )
        store = backend()
        pk = f"{self.name}#event#{key}"
        if not store.claim(pk, runtime.now(), invocation.deadline):
            return False
        invocation.claims.append((store, pk))
        return True


@dataclass(frozen=True)
class Recorded:
    """A fan-in after one part was offered: its parts, their source events, and what happened."""

    parts: dict[str, Any]
    sources: dict[str, str]
    added: bool
    completed: bool

    def is_copy(self, member: str, event_id: str) -> bool:
        """The part was there already, from this very event (a duplicate delivery)."""
        return not self.added and self.sources.get(member) == event_id


class FanIn:
    """Per-correlation parts of a fan-in, and its completion by exactly one invocation.

    A fan-in needs no separate idempotency claim: a part is written only if its member has none
    (a copy of it changes nothing) and closing is conditional, so one request per part is enough
    and duplicates, retries and concurrent environments still complete it exactly once.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def _pk(self, correlation_id: str) -> str:
        return f"{self.name}#fanin#{correlation_id}"

    def add(self, correlation_id: str, member: str, value: Any, event_id: str) -> Recorded:
        """Offer ``member``'s part (from event ``event_id``); the fan-in as it now stands."""
        text = json.dumps({"event_id": event_id, "value": value}, sort_keys=True)
        found = backend().add_part(self._pk(correlation_id), member, text, runtime.now())
        decoded = {name: json.loads(raw) for name, raw in sorted(found.parts.items())}
        return Recorded(
            parts={name: part["value"] for name, part in decoded.items()},
            sources={name: str(part["event_id"]) for name, part in decoded.items()},
            added=found.added,
            completed=found.completed,
        )

    def close(self, correlation_id: str, token: str) -> bool:
        """True for the one caller that closes the fan-in (``token``: its event ID)."""
        return backend().close(self._pk(correlation_id), token)

    def reopen(self, correlation_id: str, token: str) -> None:
        """Undo this caller's close (its fan-in event could not be published), so a retry can."""
        backend().reopen(self._pk(correlation_id), token)
