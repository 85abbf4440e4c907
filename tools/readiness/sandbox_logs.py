"""Write what a sandbox run logged as a file every obskit reader takes.

The sandbox keeps every line it sent to CloudWatch (application JSON lines and Lambda's START /
REPORT lines) with its log group. Written as ``aws logs filter-log-events`` output plus each event's
``logGroupName``, the file feeds ``obskit ready --logs``, ``obskit baseline --from-logs``,
``obskit trace`` and ``obskit logs report`` alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import orjson


class _Record(Protocol):
    @property
    def log_group(self) -> str: ...
    @property
    def log_stream(self) -> str: ...
    @property
    def timestamp(self) -> float: ...
    @property
    def message(self) -> str: ...


def write_log_records(records: Iterable[_Record], path: Path) -> int:
    """Write ``records`` (sandbox ``LogRecord``s) to ``path``; returns how many were written."""
    events = [
        {
            "logGroupName": r.log_group,
            "logStreamName": r.log_stream,
            "timestamp": int(r.timestamp * 1000),
            "message": r.message,
        }
        for r in records
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps({"events": events}, option=orjson.OPT_INDENT_2) + b"\n")
    return len(events)
