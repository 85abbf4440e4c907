"""``--format json``: the trace as one JSON object with a fixed set of top-level keys.

Other tools (drills, the runbook, CI checks) read this output, so the keys are a contract:
exactly :data:`TOP_LEVEL_KEYS`, times as ISO 8601 UTC strings, durations in milliseconds.
"""

from __future__ import annotations

from typing import Any

import orjson

from tools.tracing.model import Trace, iso

TOP_LEVEL_KEYS = (
    "correlation_id",
    "workflow",
    "started_at",
    "ended_at",
    "duration_ms",
    "status",
    "services",
    "events",
    "errors",
    "missing",
    "duplicates",
    "malformed_lines",
)


def to_dict(trace: Trace) -> dict[str, Any]:
    """The JSON document of ``trace`` (keys in :data:`TOP_LEVEL_KEYS` order)."""
    return {
        "correlation_id": trace.correlation_id,
        "workflow": trace.workflow,
        "started_at": iso(trace.started_at),
        "ended_at": iso(trace.ended_at),
        "duration_ms": trace.duration_ms,
        "status": trace.status,
        "services": [
            {
                "name": s.name,
                "log_group": s.log_group,
                "lines": s.lines,
                "errors": s.errors,
                "first_at": iso(s.first_at),
                "last_at": iso(s.last_at),
            }
            for s in trace.services
        ],
        "events": [
            {
                "event_id": e.event_id,
                "event_type": e.event_type,
                "causation_id": e.causation_id,
                "service": e.service,
                "emitted_at": iso(e.emitted_at),
                "handled_at": iso(e.handled_at),
                "handled_count": e.handled_count,
            }
            for e in trace.events
        ],
        "errors": [
            {"at": iso(ln.at), "service": ln.service, "level": ln.level, "message": ln.message}
            for ln in trace.errors
        ],
        "missing": [
            {
                "after_event_type": m.after_event_type,
                "expected_event_type": m.expected_event_type,
                "reason": m.reason,
            }
            for m in trace.missing
        ],
        "duplicates": [{"event_id": eid, "count": count} for eid, count in trace.duplicates],
        "malformed_lines": trace.malformed_lines,
    }


def render_json(trace: Trace) -> str:
    """The document as indented JSON text."""
    return orjson.dumps(to_dict(trace), option=orjson.OPT_INDENT_2).decode()
