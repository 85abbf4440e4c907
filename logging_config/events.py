"""Correlation contexts: bind the IDs of the event being handled, and build the next event.

::

    import logging_config

    log = logging_config.get_logger(__name__)

    def handler(event, context):
        with logging_config.event_context(event) as ctx:   # EventBridge event, SQS/SNS record, detail
            log.info("planning")                           # carries the event's four IDs
            return ctx.child_event("RebalancePlanned", {"orders": 3})
            # {'event_id': <new>, 'event_type': 'RebalancePlanned', 'correlation_id': <same>,
            #  'causation_id': <this event_id>, 'timestamp': '…Z', 'schema_version': '1.0',
            #  'orders': 3}

    with logging_config.start_workflow() as ctx:   # the first step of a workflow
        first = ctx.child_event("WorkflowStarted", {})   # causation_id == correlation_id

When the event says when it was emitted (the detail's ``timestamp``, else the EventBridge
envelope's ``time``), every line in its context also carries ``event_age_ms``: how old the event
was when the context was entered (never negative), computed once — what the hop-latency queries
read. A field of the call or of ``bind()`` with that name wins.

An incoming event without a ``correlation_id`` starts a new correlation: the IDs are generated and
every line says ``"correlation_generated": true``; ``ctx.generated`` is ``True``. Contexts nest and
are restored on exit; they live in contextvars, so threads and asyncio tasks never share them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from logging_config.context import EventIds, bind_ids, reset_ids
from logging_config.envelope import unwrap
from logging_config.event_time import event_age_ms
from logging_config.timestamps import iso_timestamp

SCHEMA_VERSION = "1.0"
ENVELOPE_KEYS = (
    "event_id",
    "event_type",
    "correlation_id",
    "causation_id",
    "timestamp",
    "schema_version",
)


IdSource = Callable[[int], bytes]

_random_bytes: IdSource = os.urandom


def set_id_source(source: IdSource | None) -> IdSource:
    """For simulators and tests: draw the random bytes of new IDs from ``source`` (``None``:
    ``os.urandom``), so a seeded source makes event and correlation IDs repeat run after run.

    ``source(n)`` returns ``n`` bytes. Returns the source it replaces, so the caller can put it
    back.
    """
    global _random_bytes
    if source is not None and not callable(source):
        raise TypeError(
            f"set_id_source: expected a function of n returning n bytes, got {source!r:.80}"
        )
    previous = _random_bytes
    _random_bytes = os.urandom if source is None else source
    return previous


def new_id() -> str:
    """A fresh event ID: a random (version 4) UUID as text, without importing :mod:`uuid`."""
    raw = bytearray(_random_bytes(16))
    if len(raw) != 16:
        raise ValueError(f"new_id: the ID source returned {len(raw)} bytes, expected 16")
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_correlation_id() -> str:
    """A fresh workflow correlation ID: ``workflow-<uuid4>``."""
    return f"workflow-{new_id()}"


def _id_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = value if isinstance(value, str) else str(value)
    return text or None


class EventContext:
    """The IDs bound for one event; :meth:`child_event` builds the detail of an outgoing event."""

    __slots__ = ("ids", "detail")

    def __init__(self, ids: EventIds, detail: dict[str, Any] | None = None) -> None:
        self.ids = ids
        self.detail = detail

    @property
    def correlation_id(self) -> str:
        """The workflow's correlation ID (never ``None`` inside a context)."""
        return self.ids.correlation_id or ""

    @property
    def causation_id(self) -> str | None:
        """The ``event_id`` of the event that caused this one."""
        return self.ids.causation_id

    @property
    def event_id(self) -> str | None:
        """This event's ID (``None`` in a workflow's first step)."""
        return self.ids.event_id

    @property
    def event_type(self) -> str | None:
        """This event's type."""
        return self.ids.event_type

    @property
    def generated(self) -> bool:
        """True when the incoming event had no correlation ID and one was generated."""
        return self.ids.generated

    def child_event(
        self,
        event_type: str,
        payload: Mapping[str, Any] | None = None,
        *,
        schema_version: str = SCHEMA_VERSION,
    ) -> dict[str, Any]:
        """The detail of an event caused by this one: same correlation, a new ``event_id``.

        ``causation_id`` is this event's ``event_id`` (the correlation ID in a workflow's first
        step). ``payload`` keys follow the envelope keys; a payload key that is an envelope key is
        an error (``ValueError`` naming it).
        """
        if not isinstance(event_type, str) or not event_type:
            raise ValueError(
                f"child_event: event_type must be a non-empty string, got {event_type!r}"
            )
        if payload is None:
            payload = {}
        if not isinstance(payload, Mapping):
            raise TypeError(
                f"child_event({event_type!r}): payload must be a mapping, got {type(payload).__name__}"
            )
        clashes = [key for key in ENVELOPE_KEYS if key in payload]
        if clashes:
            raise ValueError(
                f"child_event({event_type!r}): payload key(s) {', '.join(clashes)} are set by "
                "child_event itself; rename them"
            )
        detail: dict[str, Any] = {
            "event_id": new_id(),
            "event_type": event_type,
            "correlation_id": self.correlation_id,
            "causation_id": self.ids.event_id or self.correlation_id,
            "timestamp": iso_timestamp(),
            "schema_version": schema_version,
        }
        detail.update(payload)
        return detail

    def __repr__(self) -> str:
        return f"EventContext({self.ids!r})"


def ids_for_event(event: Any) -> tuple[EventIds, dict[str, Any] | None]:
    """The IDs an incoming ``event`` carries (generated when it has no correlation ID)."""
    envelope = unwrap(event)
    detail = envelope.detail or {}
    correlation_id = _id_text(detail.get("correlation_id"))
    event_id = _id_text(detail.get("event_id")) or envelope.envelope_id
    event_type = _id_text(detail.get("event_type")) or envelope.detail_type
    causation_id = _id_text(detail.get("causation_id"))
    age = event_age_ms(detail.get("timestamp"), envelope.time)
    if correlation_id is None:
        correlation_id = new_correlation_id()
        event_id = event_id or new_id()
        causation_id = causation_id or correlation_id
        ids = EventIds(correlation_id, causation_id, event_id, event_type, True, age)
        return ids, envelope.detail
    return (
        EventIds(correlation_id, causation_id or correlation_id, event_id, event_type, False, age),
        envelope.detail,
    )


@contextmanager
def event_context(event: Any) -> Iterator[EventContext]:
    """Bind the IDs of ``event`` for the block (see the module docstring)."""
    ids, detail = ids_for_event(event)
    token = bind_ids(ids)
    try:
        yield EventContext(ids, detail)
    finally:
        reset_ids(token)


@contextmanager
def start_workflow(correlation_id: str | None = None) -> Iterator[EventContext]:
    """Bind a new workflow's correlation (``correlation_id`` or a generated ``workflow-<uuid>``)."""
    if correlation_id is not None and (not isinstance(correlation_id, str) or not correlation_id):
        raise ValueError(
            f"start_workflow: correlation_id must be a non-empty string, got {correlation_id!r}"
        )
    cid = correlation_id or new_correlation_id()
    ids = EventIds(cid, cid, None, None, False)
    token = bind_ids(ids)
    try:
        yield EventContext(ids)
    finally:
        reset_ids(token)
