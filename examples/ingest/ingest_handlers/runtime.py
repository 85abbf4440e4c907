"""How a handler talks to the rest of the system: put events on the bus, notify people.

Handlers never call boto3 themselves; they call :func:`publish` and :func:`notify`, which go
through the current transport. By default that is :class:`Boto3Transport` (EventBridge PutEvents
to ``$EVENT_BUS_NAME``, SNS Publish to ``$UPDATES_TOPIC_ARN``; boto3 imported on first use, so a
cold start that publishes nothing never pays for it). The sandbox plugs in its own with
:func:`set_transport`, and its simulated clock with :func:`set_clock`, so durations measured
here follow the same clock as the log lines.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from ingest_handlers import faults
from logging_config import config as logging_settings

SOURCE_PREFIX = "ingest."


class Transport(Protocol):
    """Where events and notifications go (the sandbox's transport has these methods too)."""

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None: ...


def stage() -> str:
    return os.environ.get("STAGE") or "dev"


def bus_name() -> str:
    return os.environ.get("EVENT_BUS_NAME") or f"ingest-{stage()}-documents"


def updates_topic() -> str:
    return f"ingest-{stage()}-document-updates"


class Boto3Transport:
    """The deployed path: EventBridge and SNS through boto3 (``AWS_ENDPOINT_URL`` honoured)."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def _client(self, name: str) -> Any:
        if name not in self._clients:
            import boto3  # lazy: importing the handler stays cheap

            self._clients[name] = boto3.client(name)  # type: ignore[call-overload]
        return self._clients[name]

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {
            "Source": source,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, separators=(",", ":")),
            "EventBusName": bus_name(),
        }
        response = self._client("events").put_events(Entries=[entry])
        if response.get("FailedEntryCount", 0):
            failed = response["Entries"][0]
            raise RuntimeError(
                f"PutEvents to {bus_name()!r} refused {detail_type} {detail.get('event_id')}: "
                f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
            )

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        arn = os.environ.get("UPDATES_TOPIC_ARN")
        if not arn:
            raise RuntimeError(f"UPDATES_TOPIC_ARN is not set: cannot notify topic {topic!r}")
        self._client("sns").publish(
            TopicArn=arn, Subject=subject[:100], Message=json.dumps(message)
        )


_transport: Transport | None = None
_clock: Callable[[], float] = time.time


def set_transport(transport: Transport | None) -> None:
    """Send every later event and notification through ``transport`` (None: back to boto3)."""
    global _transport
    _transport = transport


def set_clock(clock: Callable[[], float] | None) -> None:
    """Read time from ``clock`` (seconds since the epoch); None: back to ``time.time``."""
    global _clock
    _clock = time.time if clock is None else clock


def now() -> float:
    return _clock()


def now_iso() -> str:
    moment = datetime.fromtimestamp(now(), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def seconds_since(iso_text: object) -> float | None:
    """Seconds from the ISO time ``iso_text`` to now (None when it is missing or unreadable)."""
    if not isinstance(iso_text, str):
        return None
    try:
        began = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return round(max(0.0, now() - began), 3)


def _transport_now() -> Transport:
    global _transport
    if _transport is None:
        _transport = Boto3Transport()
    return _transport


def publish(service: str, detail: dict[str, Any]) -> None:
    """Put ``detail`` on the bus as an event from ``service``; twice under its ``duplicate``
    fault (same ``event_id``: the at-least-once delivery consumers must absorb)."""
    copies = 2 if faults.current(service).duplicate else 1
    for _ in range(copies):
        _transport_now().put_event(
            source=SOURCE_PREFIX + service, detail_type=str(detail["event_type"]), detail=detail
        )


def notify(subject: str, message: dict[str, Any]) -> None:
    """Tell the document's owner (the document-updates topic)."""
    _transport_now().notify(topic=updates_topic(), subject=subject, message=message)


@contextmanager
def as_service(service: str) -> Iterator[None]:
    """Name the lines logged in the block after ``service`` (several handlers, one process).

    The sandbox names each invocation itself; a test or local runner that calls handlers
    directly wraps each call in this. Not thread-safe: one handler at a time.
    """
    previous = logging_settings.STATE.service
    logging_settings.STATE.service = service
    try:
        yield
    finally:
        logging_settings.STATE.service = previous
