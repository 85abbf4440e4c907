"""GetLogRecord: every field of the one log event a query row's ``@ptr`` points at.

GetQueryResults returns ``@ptr`` beside each row of log events; GetLogRecord takes it back and
returns all the event's fields as name/value strings, whatever subset the query showed
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogRecord.html).
moto has no GetLogRecord, so the sandbox reads the event from moto's logs backend itself: the
system fields (``@timestamp`` and ``@ingestionTime`` in epoch milliseconds, ``@log``,
``@logStream``, ``@message``) and the fields discovered in the message, nested JSON flattened to
dotted names. A pointer that names no stored event is ``ResourceNotFoundException``; one that is
not a pointer at all ``InvalidParameterException``.
"""

from __future__ import annotations

from typing import Any

from insights_queries.values import to_text
from sandbox.insights_events import message_fields, read_pointer
from sandbox.logs_api import invalid, not_found, text


def get_log_record(backend: Any, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The fields of the event ``logRecordPointer`` names, read from moto's ``backend``."""
    ptr = text(params, "logRecordPointer", 1, 4096)
    where = read_pointer(ptr)
    if where is None:
        raise invalid(f"logRecordPointer {ptr!r} is not a pointer GetQueryResults returned")
    group_name, stream_name, event_id = where
    group = backend.groups.get(group_name)
    stream = group.streams.get(stream_name) if group is not None else None
    found = (
        next((e for e in list(stream.events) if e.event_id == event_id), None) if stream else None
    )
    if found is None:
        raise not_found(f"the log event {ptr} no longer exists")
    record: dict[str, str] = {}
    _flatten(message_fields(str(found.message)), "", record)
    record["@timestamp"] = str(int(found.timestamp))
    record["@ingestionTime"] = str(int(found.ingestion_time))
    record["@logStream"] = stream_name
    record["@log"] = f"{account_id}:{group_name}"
    return {"logRecord": record}


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict) and (value or not prefix):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif value is not None:
        out[prefix] = to_text(value)
