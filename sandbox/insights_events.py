"""The log events moto stores, as Logs Insights sees them: the input of the sandbox's queries.

moto keeps each log event as a timestamp, an ingestion time and a message, per stream, per group.
Logs Insights gives every event system fields and discovers more from its text
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html):
- ``@timestamp`` (the event's own timestamp, not a time written inside the message),
  ``@ingestionTime``, ``@logStream``, ``@message``, and ``@log`` as ``account-id:log-group-name``;
- a JSON message: each of its keys, nested objects read by dotted path;
- a Lambda ``START``/``END``/``REPORT`` line: ``@type``, ``@requestId`` and the ``REPORT``
  measures (``@duration``, ``@maxMemoryUsed`` ...), as :mod:`insights_queries.lambda_lines` reads
  them; a runtime text line (time, request id, level, message) its ``@requestId``.

Only the events between ``startTime`` and ``endTime`` are read: StartQuery's range is in epoch
seconds, both ends included
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html), so an
event in the last second counts. Events come in time order (the order rows come back in when a
query does not sort); ties keep the order they were stored in.

Each event also carries ``@ptr``, the opaque pointer GetQueryResults returns beside a row of log
events (:func:`pointer`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from insights_queries.lambda_lines import text_line_fields
from insights_queries.prefilter import ESCAPE
from insights_queries.timestamps import Millis

Event = dict[str, Any]
PTR = "@ptr"


@dataclass
class Scan:
    """The events of one query's groups and window (read lazily, so a ``limit`` stops the
    decoding early), and what the query scans: every event of the window, as AWS counts it."""

    events: Iterator[Event]
    records_scanned: int
    bytes_scanned: int


def pointer(group: str, stream: str, event_id: int) -> str:
    """An opaque ``@ptr`` naming one stored event (group, stream and moto's event id)."""
    raw = orjson.dumps([group, stream, event_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_pointer(ptr: str) -> tuple[str, str, int] | None:
    """(group, stream, event id) of a :func:`pointer`, or ``None`` when ``ptr`` is not one."""
    try:
        raw = base64.urlsafe_b64decode(ptr + "=" * (-len(ptr) % 4))
        group, stream, event_id = orjson.loads(raw)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return None
    if not (isinstance(group, str) and isinstance(stream, str) and isinstance(event_id, int)):
        return None
    return group, stream, event_id


def message_fields(message: str) -> Event:
    """The fields Logs Insights discovers in one message (``@message`` included)."""
    text = message.rstrip("\n")
    event: Event | None = None
    if text.startswith("{"):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
        event = parsed if isinstance(parsed, dict) else None
    else:
        event = text_line_fields(text)
    if event is None:
        event = {}
    event["@message"] = text
    return event


def scan(
    groups: Sequence[Any],
    account_id: str,
    start_ms: int,
    end_ms: int,
    *,
    needles: Sequence[bytes] | None = None,
    with_ptr: bool = True,
) -> Scan:
    """Every event of moto's ``groups`` (``LogGroup`` objects) with ``start_ms <= timestamp <=
    end_ms``, as Logs Insights events in time order.

    ``needles`` (from :func:`insights_queries.prefilter.required_needles`): an event whose message
    holds none of them cannot match the query, so it is counted as scanned but never decoded; one
    holding a backslash is always decoded (a JSON escape may spell a needle differently).
    """
    stored: list[tuple[int, int, str, str, Any]] = []
    for group in groups:
        for stream_name, stream in list(group.streams.items()):
            for item in list(stream.events):
                stamp = int(item.timestamp)
                if start_ms <= stamp <= end_ms:
                    stored.append((stamp, int(item.event_id), group.name, stream_name, item))
    stored.sort(key=lambda entry: (entry[0], entry[1]))
    scanned_bytes = sum(len(str(entry[4].message).encode()) for entry in stored)
    wanted = [n for n in needles or () if n != ESCAPE]

    def events() -> Iterator[Event]:
        for stamp, event_id, group_name, stream_name, item in stored:
            message = str(item.message)
            if wanted:
                raw = message.encode()
                if b"\\" not in raw and not any(n in raw for n in wanted):
                    continue
            event = message_fields(message)
            event["@timestamp"] = Millis(stamp)
            event["@ingestionTime"] = Millis(int(item.ingestion_time))
            event["@logStream"] = stream_name
            event["@log"] = f"{account_id}:{group_name}"
            if with_ptr:
                event[PTR] = pointer(group_name, stream_name, event_id)
            yield event

    return Scan(events(), len(stored), scanned_bytes)


def window_ms(start_s: int, end_s: int) -> tuple[int, int]:
    """StartQuery's inclusive range in seconds, as inclusive milliseconds."""
    return start_s * 1000, end_s * 1000 + 999
