"""Write what a function would write to CloudWatch Logs, to the endpoint, and keep a local copy.

Lines are buffered per log stream and sent with PutLogEvents when the sandbox flushes (after each
burst of work), in time order as the API requires. A batch holds at most 10,000 events and 1 MB
(each event counted as its UTF-8 size plus 26 bytes): the PutLogEvents quotas. Events the
endpoint rejects (older than 14 days, or more than 2 hours ahead of its clock) are an error, not a
silent gap in the logs. The local copy lets the demo and tests read a workflow's lines without a
query engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from botocore.exceptions import ClientError

from sandbox.aws import Clients
from sandbox.errors import SandboxError

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26


@dataclass(frozen=True)
class LogRecord:
    log_group: str
    log_stream: str
    timestamp: float
    message: str

    def json(self) -> dict[str, object] | None:
        """The line as a JSON object, or None for a plain-text line (START, REPORT ...)."""
        if not self.message.startswith("{"):
            return None
        try:
            value = orjson.loads(self.message)
        except orjson.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None


class LogWriter:
    def __init__(
        self, clients: Clients, observe: Callable[[str, float, str], None] | None = None
    ) -> None:
        """``observe(log_group, timestamp, message)`` sees each line as it is written (the
        metric filters: ``sandbox.metric_filters``)."""
        self._clients = clients
        self._observe = observe
        self._pending: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self._streams: set[tuple[str, str]] = set()
        self.records: list[LogRecord] = []

    def write(self, log_group: str, log_stream: str, lines: Iterable[tuple[float, str]]) -> None:
        key = (log_group, log_stream)
        pending = self._pending.setdefault(key, [])
        for timestamp, message in lines:
            pending.append((int(timestamp * 1000), message))
            self.records.append(LogRecord(log_group, log_stream, timestamp, message))
            if self._observe is not None:
                self._observe(log_group, timestamp, message)

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for (group, stream), events in pending.items():
            if not events:
                continue
            if (group, stream) not in self._streams:
                self._create_stream(group, stream)
                self._streams.add((group, stream))
            events.sort(key=lambda e: e[0])  # stable: equal timestamps keep their order
            for batch in _batches(events):
                response = self._clients.logs.put_log_events(
                    logGroupName=group,
                    logStreamName=stream,
                    logEvents=[{"timestamp": t, "message": m} for t, m in batch],
                )
                rejected = response.get("rejectedLogEventsInfo")
                if rejected:
                    raise SandboxError(
                        f"PutLogEvents to {group} / {stream} rejected events ({rejected}): the "
                        "simulated clock is more than 2 hours ahead of, or 14 days behind, the "
                        "endpoint's clock"
                    )

    def _create_stream(self, group: str, stream: str) -> None:
        """CreateLogStream, where a stream an earlier run on the same endpoint made is fine:
        CloudWatch answers ResourceAlreadyExistsException for it, and PutLogEvents appends."""
        try:
            self._clients.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise

    def records_of(self, correlation_id: str) -> list[LogRecord]:
        """Every JSON line carrying ``correlation_id``, in time order."""
        found = [r for r in self.records if f'"{correlation_id}"' in r.message]
        return sorted(
            (r for r in found if (r.json() or {}).get("correlation_id") == correlation_id),
            key=lambda r: r.timestamp,
        )


def _batches(events: list[tuple[int, str]]) -> Iterable[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    size = 0
    for event in events:
        cost = len(event[1].encode("utf-8")) + EVENT_OVERHEAD_BYTES
        if batch and (len(batch) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch
