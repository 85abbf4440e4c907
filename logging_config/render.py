"""Render a record to one JSON line: the fast path, the sanitizing fallback, the size cap.

The fast path is a single ``orjson.dumps`` with :func:`~logging_config.sanitize.json_default`.
If orjson refuses the record, it is rebuilt by :func:`~logging_config.sanitize.sanitize` and
dumped again; if the line is too large it is cut by :func:`~logging_config.truncate.fit_record`.
If even that fails, :func:`emergency_line` writes the message and IDs alone, so no line is lost::

    from logging_config.render import render

    render({"message": "hi", "n": 2**70})   # b'{"message":"hi","n":"1180591620717411303424"}'
"""

from __future__ import annotations

from typing import Any

import orjson

from logging_config import stats
from logging_config.context import current_ids
from logging_config.sanitize import json_default, sanitize
from logging_config.timestamps import iso_timestamp
from logging_config.truncate import MAX_LINE_BYTES, fit_record

DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS

#: Keys never dropped by truncation (they may still be shortened).
KEEP_KEYS = frozenset(
    {
        "timestamp",
        "level",
        "message",
        "service",
        "logger",
        "location",
        "correlation_id",
        "causation_id",
        "event_id",
        "event_type",
        "function_name",
        "function_request_id",
        "cold_start",
        "xray_trace_id",
        "exception_name",
    }
)


def render(record: dict[str, Any], *, limit: int = MAX_LINE_BYTES) -> bytes:
    """One JSON line (no newline) of at most ``limit`` bytes for ``record``; never raises."""
    try:
        line = orjson.dumps(record, default=json_default, option=DUMPS_OPTIONS)
        if len(line) <= limit:
            return line
        stats.count("truncated")
        return fit_record(sanitize(record), limit=limit, keep=KEEP_KEYS)
    except Exception:
        pass
    try:
        stats.count("sanitized")
        safe = sanitize(record)
        line = orjson.dumps(safe)
        if len(line) <= limit:
            return line
        stats.count("truncated")
        return fit_record(safe, limit=limit, keep=KEEP_KEYS)
    except Exception:
        return emergency_line(record)


def emergency_line(record: Any) -> bytes:
    """The last resort: the base keys only, each made safe on its own, and always the IDs."""
    stats.count("emergency")
    safe: dict[str, Any] = {}
    try:
        for key in [name for name in record if name in KEEP_KEYS]:
            try:
                safe[key] = sanitize(record[key])
            except Exception:
                safe[key] = None
    except Exception:
        pass
    if "timestamp" not in safe:
        safe = {"timestamp": iso_timestamp(), **safe}
    for key, value in current_ids().items():
        safe.setdefault(key, value)
    safe["logging_error"] = "the record could not be serialized; fields were dropped"
    try:
        return fit_record(safe, keep=frozenset())
    except Exception:
        return b'{"logging_error":"the record could not be serialized"}'
