"""The baseline file: latency and throughput of a run, as ``obskit baseline`` writes it.

Shape (JSON, keys sorted, schema ``obskit.baseline/1``)::

    {"schema", "system", "stage", "source": {...}, "window": {"start", "end", "seconds"},
     "latency": {"end_to_end": {workflow: Dist}, "hops": {event_type: Dist},
                 "services": {service: {"invocations", "duration_ms": Dist,
                                        "cold_starts", "init_duration_ms": Dist | null}}},
     "throughput": {"workflows", "workflows_per_hour", "events", "events_per_minute",
                    "invocations"},
     "notes": [...]}

A ``Dist`` is ``{"count", "p50", "p95", "p99", "max"}`` (seconds for end-to-end and hops,
milliseconds for service durations). Percentiles use the nearest-rank method so the same samples
always give the same numbers, with no interpolation to explain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tools.readiness.model import ReadinessInputError

SCHEMA = "obskit.baseline/1"
PERCENTILES = (50, 95, 99)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (ValueError when empty)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def distribution(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """count, p50, p95, p99 and max of ``values`` (rounded to ``digits``)."""
    ordered = sorted(values)
    if not ordered:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}
    out: dict[str, Any] = {"count": len(ordered)}
    for p in PERCENTILES:
        out[f"p{p}"] = round(percentile(ordered, p), digits)
    out["max"] = round(ordered[-1], digits)
    return out


def dump_baseline(baseline: dict[str, Any], path: Path) -> None:
    """Write ``baseline`` as indented, key-sorted JSON (same run, same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        orjson.dumps(baseline, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )


def load_baseline(path: Path) -> dict[str, Any]:
    """The baseline at ``path``, checked for the parts the readiness gate reads."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReadinessInputError(f"{path}: cannot read the baseline: {exc}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ReadinessInputError(
            f"{path}: not an obskit baseline (schema {SCHEMA!r} expected; write one with "
            "`obskit baseline --from-logs FILE --out baseline.json`)"
        )
    for key in ("latency", "throughput", "window"):
        if not isinstance(document.get(key), dict):
            raise ReadinessInputError(f"{path}: '{key}' is missing or not an object")
    return document
