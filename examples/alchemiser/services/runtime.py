"""How a service talks to the rest of the system: publish events, invoke functions, notify people.

Services never call boto3 themselves; they call :func:`publish`, :func:`invoke_async` and
:func:`notify`, which go through the current :class:`Transport`:

* by default :class:`Boto3Transport` — EventBridge ``PutEvents`` to ``$EVENT_BUS_NAME``, Lambda
  ``Invoke`` with ``InvocationType=Event``, SNS ``Publish``; boto3 is imported on first use only,
  and honours ``AWS_ENDPOINT_URL`` (so the same code runs against moto_server);
* in tests, the demo and the sandbox, anything with the same three methods, set with
  :func:`set_transport` — e.g. :class:`services.local_router.LocalRouter`, which runs the consumers
  in process.

Names follow the catalog: functions ``alchemiser-{stage}-<service>``, bus
``alchemiser-trading-events-{stage}``, topic ``alchemiser-{stage}-trade-notifications``, with
``{stage}`` from ``$STAGE`` (default ``dev``). The clock is pluggable too (:func:`set_clock`) so
durations follow a simulated clock when a drill runs one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from logging_config import config as logging_settings
from services import faults

SYSTEM = "alchemiser"
SOURCE_PREFIX = f"{SYSTEM}."
DEFAULT_STAGE = "dev"


class PublishError(RuntimeError):
    """AWS refused an event, an invoke or a notification (the message says which and why)."""


class Transport(Protocol):
    """Where events, invokes and notifications go."""

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...

    def invoke_async(self, *, function_name: str, payload: dict[str, Any]) -> None: ...

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None: ...


def stage() -> str:
    return os.environ.get("STAGE") or DEFAULT_STAGE


def function_name(service: str) -> str:
    """The Lambda function name of a catalog service."""
    return f"{SYSTEM}-{stage()}-{service}"


def service_of_function(name: str) -> str | None:
    """The catalog service a function name belongs to (None if it is not one of ours)."""
    prefix = f"{SYSTEM}-{stage()}-"
    return name[len(prefix) :] if name.startswith(prefix) else None


def bus_name() -> str:
    return os.environ.get("EVENT_BUS_NAME") or f"{SYSTEM}-trading-events-{stage()}"


def notifications_topic() -> str:
    return f"{SYSTEM}-{stage()}-trade-notifications"


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


class Boto3Transport:
    """The real thing: EventBridge, Lambda and SNS through boto3 (imported on first use)."""

    def __init__(self, *, endpoint_url: str | None = None, region_name: str | None = None) -> None:
        self._endpoint_url = endpoint_url
        self._region_name = region_name
        self._clients: dict[str, Any] = {}

    def _client(self, name: str) -> Any:
        client = self._clients.get(name)
        if client is None:
            import boto3  # lazy: a cold start that never publishes never pays for boto3

            session = boto3.session.Session(region_name=self._region_name)
            client = self._clients[name] = session.client(
                name,  # type: ignore[call-overload]
                endpoint_url=self._endpoint_url,
            )
        return client

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {
            "Source": source,
            "DetailType": detail_type,
            "Detail": _dumps(detail),
            "EventBusName": bus_name(),
        }
        response = self._client("events").put_events(Entries=[entry])
        if response.get("FailedEntryCount", 0):
            failed = response["Entries"][0]
            raise PublishError(
                f"PutEvents to bus {bus_name()!r} refused {detail_type} "
                f"{detail.get('event_id')}: {failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
            )

    def invoke_async(self, *, function_name: str, payload: dict[str, Any]) -> None:
        response = self._client("lambda").invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=_dumps(payload).encode("utf-8"),
        )
        if response.get("StatusCode") != 202:
            raise PublishError(
                f"async Invoke of {function_name!r} returned {response.get('StatusCode')} "
                "(expected 202)"
            )

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        self._client("sns").publish(
            TopicArn=self._topic_arn(topic), Subject=subject[:100], Message=_dumps(message)
        )

    def _topic_arn(self, topic: str) -> str:
        configured = os.environ.get("NOTIFICATIONS_TOPIC_ARN")
        if configured:
            return configured
        account = self._client("sts").get_caller_identity()["Account"]
        region = self._client("sns").meta.region_name
        return f"arn:aws:sns:{region}:{account}:{topic}"


_transport: Transport | None = None
_clock: Callable[[], float] = time.time


def set_transport(transport: Transport | None) -> None:
    """Route every later publish / invoke / notify through ``transport`` (None: back to boto3)."""
    global _transport
    _transport = transport


def current_transport() -> Transport:
    global _transport
    if _transport is None:
        _transport = Boto3Transport()
    return _transport


def set_clock(clock: Callable[[], float] | None) -> None:
    """Replace ``time.time`` (seconds since the epoch) for durations; None: back to real time."""
    global _clock
    _clock = time.time if clock is None else clock


def now() -> float:
    return _clock()


def now_iso() -> str:
    moment = datetime.fromtimestamp(now(), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 timestamp (``Z`` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def publish(service: str, detail: dict[str, Any]) -> None:
    """Put ``detail`` on the bus as an event from ``service`` (twice if its switch says so)."""
    copies = 2 if faults.current(service).duplicate else 1
    for _ in range(copies):
        current_transport().put_event(
            source=SOURCE_PREFIX + service, detail_type=str(detail["event_type"]), detail=detail
        )


def invoke_async(service: str, target: str, payload: dict[str, Any]) -> None:
    """Invoke the function of catalog service ``target`` asynchronously, as ``service`` does."""
    copies = 2 if faults.current(service).duplicate else 1
    for _ in range(copies):
        current_transport().invoke_async(function_name=function_name(target), payload=payload)


def notify(subject: str, message: dict[str, Any]) -> None:
    """Publish a notification to the trade-notifications topic."""
    current_transport().notify(topic=notifications_topic(), subject=subject, message=message)


@contextmanager
def as_service(service: str) -> Iterator[None]:
    """Log as ``service`` for the block, when several services share one process.

    A deployed function is its own process whose service name comes from ``OBSKIT_SERVICE``; in
    process (the local router, the sandbox) the name follows whichever handler runs. Not
    thread-safe: run one handler at a time.
    """
    previous = logging_settings.STATE.service
    logging_settings.STATE.service = service
    try:
        yield
    finally:
        logging_settings.STATE.service = previous


def name_process(service: str) -> None:
    """Name this process's lines after ``service`` unless the environment already named it.

    Each service module calls this at import, so a deployed function logs its catalog name even
    when ``OBSKIT_SERVICE`` is not set; ``OBSKIT_SERVICE`` / ``POWERTOOLS_SERVICE_NAME`` still win.
    Only the name is touched (not the stream or level): importing a service never reconfigures a
    process that is already logging somewhere, such as a test capturing lines.
    """
    if logging_settings.current_service() is None:
        logging_settings.STATE.service = service
