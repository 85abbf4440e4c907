"""A baseline from log files of a run: per-hop and end-to-end latency, Lambda durations, rates.

- End-to-end: per correlation ID that reached one of a workflow's end events (success or
  failure), its first line to its last.
- Per hop: per event, when it was first handled minus when it was emitted. Emission is the
  handler line's ``event_age_field`` (the catalog's convention) when the services log it;
  otherwise the first line handling its cause (the event named by ``causation_id``, or the
  workflow's first line for the root event) — the time the previous step started.
- Per service: ``REPORT`` lines (Duration, Init Duration for cold starts), attributed to a service
  by log group.
- Throughput: workflows per hour and events (distinct ``event_id``) per minute over the run's
  window (first to last line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.models import Catalog, Workflow
from insights_queries.sources import LogFiles, SourceError
from insights_queries.timestamps import event_timestamp
from tools.readiness.baseline_model import SCHEMA, distribution
from tools.readiness.model import ReadinessInputError


@dataclass
class _Run:
    first: dict[str, int] = field(default_factory=dict)  # correlation_id -> first line ms
    last: dict[str, int] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    handled: dict[str, tuple[int, str, str, str]] = field(default_factory=dict)
    ages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    inits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    start: int | None = None
    end: int | None = None


def _service_of(catalog: Catalog, event: dict[str, Any]) -> str | None:
    service = event.get("service")
    if isinstance(service, str) and service:
        return service
    log = event.get("@log")
    for s in catalog.services:
        if (
            s.log_group
            and isinstance(log, str)
            and (log == s.log_group or log.endswith(":" + s.log_group))
        ):
            return s.name
    return None


def _read(catalog: Catalog, events: Iterable[dict[str, Any]]) -> _Run:
    run = _Run()
    age_field = catalog.log_conventions.event_age_field
    for event in events:
        at = event_timestamp(event)
        if at is None:
            continue
        ms = int(at)
        run.start = ms if run.start is None else min(run.start, ms)
        run.end = ms if run.end is None else max(run.end, ms)
        if event.get("@type") == "REPORT":
            service = _service_of(catalog, event)
            if service is not None and isinstance(event.get("@duration"), (int, float)):
                run.durations[service].append(float(event["@duration"]))
                if isinstance(event.get("@initDuration"), (int, float)):
                    run.inits[service].append(float(event["@initDuration"]))
            continue
        cid = event.get("correlation_id")
        if not isinstance(cid, str) or not cid:
            continue
        run.first[cid] = min(run.first.get(cid, ms), ms)
        run.last[cid] = max(run.last.get(cid, ms), ms)
        event_id, event_type = event.get("event_id"), event.get("event_type")
        if isinstance(event_type, str):
            run.types[cid].add(event_type)
        if isinstance(event_id, str) and isinstance(event_type, str):
            seen = run.handled.get(event_id)
            cause = event.get("causation_id")
            if seen is None or ms < seen[0]:
                run.handled[event_id] = (ms, event_type, str(cause or ""), cid)
            age = event.get(age_field)
            if isinstance(age, (int, float)) and not isinstance(age, bool) and (seen is None):
                run.ages[event_type].append(float(age) / 1000)
    return run


def _workflow_of(catalog: Catalog, types: set[str]) -> Workflow | None:
    for workflow in catalog.workflows:
        ends = {workflow.success_event, *workflow.failure_events}
        if types & ends:
            return workflow
    return None


def _hops(run: _Run) -> tuple[dict[str, list[float]], str]:
    if run.ages:
        return dict(run.ages), "event_age_field"
    hops: dict[str, list[float]] = defaultdict(list)
    for _event_id, (ms, event_type, cause, cid) in sorted(run.handled.items()):
        if cause in run.handled:
            emitted = run.handled[cause][0]
        elif cause == cid and cid in run.first:
            emitted = run.first[cid]
        else:
            continue
        hops[event_type].append(max(0, ms - emitted) / 1000)
    return dict(hops), "causation"


def baseline_from_events(
    catalog: Catalog, events: Iterable[dict[str, Any]], source: dict[str, Any]
) -> dict[str, Any]:
    """The baseline of ``events`` (shaped as :mod:`insights_queries.sources` reads them)."""
    run = _read(catalog, events)
    notes: list[str] = []
    end_to_end: dict[str, list[float]] = defaultdict(list)
    for cid in sorted(run.first):
        workflow = _workflow_of(catalog, run.types[cid])
        if workflow is not None:
            end_to_end[workflow.name].append((run.last[cid] - run.first[cid]) / 1000)
    hops, method = _hops(run)
    if method == "causation":
        notes.append(
            f"hop latency from the causation chain (no '{catalog.log_conventions.event_age_field}' "
            "field on the handler lines): each hop includes the previous step's handling time"
        )
    services: dict[str, Any] = {}
    for name in sorted(run.durations):
        inits = run.inits.get(name, [])
        services[name] = {
            "invocations": len(run.durations[name]),
            "duration_ms": distribution(run.durations[name]),
            "cold_starts": len(inits),
            "init_duration_ms": distribution(inits) if inits else None,
        }
    if not services:
        notes.append("no Lambda REPORT lines: no per-service duration or cold-start measurement")
    seconds = 0.0 if run.start is None or run.end is None else (run.end - run.start) / 1000
    workflows = sum(len(v) for v in end_to_end.values())
    handled = len(run.handled)
    span = max(seconds, 1.0)  # one line is a run of at most one second, not of zero
    if run.start is None:
        raise ReadinessInputError(f"{source.get('files') or source}: no timestamped log line")
    return {
        "schema": SCHEMA,
        "system": catalog.system,
        "stage": catalog.stage,
        "source": source,
        "window": {"start_ms": run.start, "end_ms": run.end, "seconds": round(seconds, 3)},
        "latency": {
            "end_to_end": {k: distribution(v) for k, v in sorted(end_to_end.items())},
            "hops": {k: distribution(v) for k, v in sorted(hops.items())},
            "hop_method": method,
            "services": services,
        },
        "throughput": {
            "workflows": workflows,
            "workflows_per_hour": round(workflows / span * 3600, 3),
            "events": handled,
            "events_per_minute": round(handled / span * 60, 3),
            "invocations": sum(s["invocations"] for s in services.values()),
        },
        "notes": notes,
    }


def baseline_from_logs(catalog: Catalog, paths: Sequence[Path]) -> dict[str, Any]:
    """:func:`baseline_from_events` of log files in any format the query engine reads."""
    try:
        return baseline_from_events(
            catalog, LogFiles(list(paths)), {"kind": "logs", "files": [str(p) for p in paths]}
        )
    except SourceError as exc:
        raise ReadinessInputError(str(exc)) from None
