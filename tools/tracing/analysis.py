"""Rebuild one workflow from its lines and hold it against the catalog's expected flow.

Services log *handling*: a line's ``event_id``/``event_type``/``causation_id`` describe the event
the service was handling when it wrote the line (the contract in DESIGN.md). So an event is known
from its handlers' lines, its parent is its ``causation_id``, and it was emitted by the service
that handled the parent (the first event's parent is the correlation ID itself: the lines of the
step that started the workflow). When no line carries an event ID (like the real capture) the
trace still has spans per service, and the catalog says which services the flow needed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from tools.tracing.model import (
    Found,
    Handling,
    Line,
    Missing,
    ServiceSpan,
    SlaBreach,
    Trace,
    TraceEvent,
    clock,
)
from tools.tracing.workflow_pick import best_match

if TYPE_CHECKING:  # the catalog (pydantic) is loaded only by commands that use it
    from catalog import Catalog, Workflow

DEFAULT_DUPLICATE_MESSAGE = "Duplicate event detected"


def analyse(found: Found, catalog: Catalog | None, workflow_name: str | None = None) -> Trace:
    """The :class:`Trace` of ``found``'s lines (which are in time order)."""
    lines = found.lines
    cid = found.correlation_id
    duplicate_message = (
        catalog.log_conventions.duplicate_message if catalog else DEFAULT_DUPLICATE_MESSAGE
    )
    fan_out = fan_out_targets(catalog)
    events = build_events(lines, duplicate_message, fan_out)
    root_lines = [ln for ln in lines if ln.event_id is None]
    _attach_emitters(events, root_lines, cid, catalog)
    workflow = choose_workflow(catalog, events, workflow_name)
    services = spans(lines)
    errors = [ln for ln in lines if ln.is_error]
    missing = expected_flow(events, services, workflow, catalog, root_lines)
    status = decide_status(events, errors, missing, workflow)
    started = lines[0].at if lines else None
    ended = lines[-1].at if lines else None
    known = {e.event_id for e in events} | {cid}
    return Trace(
        correlation_id=cid,
        workflow=workflow.name if workflow else None,
        status=status,
        started_at=started,
        ended_at=ended,
        lines=lines,
        services=services,
        events=events,
        root_lines=root_lines,
        errors=errors,
        warnings=[ln for ln in lines if ln.is_warning],
        missing=missing,
        duplicates=[(e.event_id, e.handled_count) for e in events if e.handled_count > 1],
        orphans=[e for e in events if e.causation_id and e.causation_id not in known],
        cycles=find_cycles(events),
        sla_breaches=sla_breaches(events, catalog, workflow, started, ended),
        malformed_lines=found.malformed_lines,
        searched=found.searched,
        notes=list(found.notes),
    )


def spans(lines: list[Line]) -> list[ServiceSpan]:
    """One span per service, in the order of each service's first line."""
    by_name: dict[str, ServiceSpan] = {}
    for line in lines:
        span = by_name.get(line.service)
        if span is None:
            span = by_name[line.service] = ServiceSpan(
                line.service, line.log_group, first_at=line.at, last_at=line.at
            )
        span.lines += 1
        span.errors += line.is_error
        span.warnings += line.is_warning
        span.first_at = min(span.first_at, line.at)
        span.last_at = max(span.last_at, line.at)
    return sorted(by_name.values(), key=lambda s: s.first_at)


def fan_out_targets(catalog: Catalog | None) -> frozenset[str]:
    """Services another service invokes directly, once per item: one event, many invocations."""
    if catalog is None:
        return frozenset()
    return frozenset(name for s in catalog.services for name in s.invokes)


def build_events(
    lines: list[Line], duplicate_message: str, fan_out: frozenset[str] = frozenset()
) -> list[TraceEvent]:
    """Events from the lines that carry an ``event_id``, in the order they were first handled.

    An event handled in several invocations of one service was delivered more than once, except
    by a fan-out target (the orchestrator invokes one worker per strategy with the same event);
    there only the service's own "duplicate" lines count.
    """
    grouped: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.event_id is not None:
            grouped[line.event_id].append(line)
    events = []
    for event_id, own in grouped.items():
        by_service: dict[str, list[Line]] = defaultdict(list)
        for line in own:
            by_service[line.service].append(line)
        handlings = [
            Handling(
                service=service,
                first_at=handled[0].at,
                last_at=handled[-1].at,
                invocations=1
                if service in fan_out
                else len({ln.request_id for ln in handled if ln.request_id}) or 1,
                lines=handled,
            )
            for service, handled in by_service.items()
        ]
        handlings.sort(key=lambda h: h.first_at)
        events.append(
            TraceEvent(
                event_id=event_id,
                event_type=next((ln.event_type for ln in own if ln.event_type), None),
                causation_id=next((ln.causation_id for ln in own if ln.causation_id), None),
                handlings=handlings,
                duplicate_lines=sum(ln.message == duplicate_message for ln in own),
            )
        )
    events.sort(key=lambda e: e.handled_at or 0)
    return events


def _attach_emitters(
    events: list[TraceEvent], root_lines: list[Line], cid: str, catalog: Catalog | None
) -> None:
    """Who emitted each event and when: the last line of its parent's handler before it."""
    by_id = {e.event_id: e for e in events}
    for event in events:
        if event.causation_id == cid:
            candidates = [ln for ln in root_lines if ln.causation_id in (cid, None)]
        elif event.causation_id in by_id:
            parent = by_id[event.causation_id]
            candidates = [ln for h in parent.handlings for ln in h.lines]
        else:
            continue
        producers = set(_producers(catalog, event.event_type))
        if producers and any(ln.service in producers for ln in candidates):
            candidates = [ln for ln in candidates if ln.service in producers]
        handled = event.handled_at
        before = [ln for ln in candidates if handled is None or ln.at <= handled]
        chosen = max(before, key=lambda ln: ln.at) if before else None
        if chosen is None and candidates:
            chosen = min(candidates, key=lambda ln: ln.at)
        if chosen is not None:
            event.emitted_at = chosen.at
            event.emitted_by = chosen.service


def _producers(catalog: Catalog | None, event_type: str | None) -> list[str]:
    if catalog is None or event_type is None:
        return []
    return [s.name for s in catalog.producers_of(event_type)]


def _consumers(catalog: Catalog | None, event_type: str) -> list[str]:
    if catalog is None:
        return []
    return [s.name for s in catalog.consumers_of(event_type)]


def choose_workflow(
    catalog: Catalog | None, events: list[TraceEvent], name: str | None
) -> Workflow | None:
    """The named workflow, else the one whose events the trace saw most of (not merely the
    first whose start event it saw: two workflows may share one), else the first."""
    if catalog is None or not catalog.workflows:
        return None
    if name is not None:
        return catalog.workflow(name)
    return best_match(catalog, (e.event_type for e in events)) or catalog.workflows[0]


def expected_flow(
    events: list[TraceEvent],
    services: list[ServiceSpan],
    workflow: Workflow | None,
    catalog: Catalog | None,
    root_lines: list[Line],
) -> list[Missing]:
    """Steps of the workflow that did not happen: where it stopped, and unhandled events."""
    if workflow is None:
        return []
    steps = workflow.steps or [workflow.start_event, workflow.success_event]
    if not events:
        return _missing_services(steps, services, catalog)
    missing = []
    types = {e.event_type for e in events}
    if workflow.success_event not in types:
        missing.extend(_where_it_stopped(events, steps, workflow, catalog, root_lines))
    for event in events:
        if event.event_type is None:
            continue
        handled = {h.service for h in event.handlings}
        for consumer in _consumers(catalog, event.event_type):
            if consumer not in handled:
                by = ", ".join(sorted(handled))
                missing.append(
                    Missing(
                        event.event_type,
                        event.event_type,
                        f"{event.event_type} {event.event_id[:8]} was handled by {by} "
                        f"at {clock(event.handled_at)} but {consumer} never handled it",
                    )
                )
    return missing


def _where_it_stopped(
    events: list[TraceEvent],
    steps: list[str],
    workflow: Workflow,
    catalog: Catalog | None,
    root_lines: list[Line],
) -> list[Missing]:
    types = {e.event_type for e in events}
    seen = [i for i, step in enumerate(steps) if step in types]
    if not seen:
        started = f"the workflow started at {clock(root_lines[0].at)}" if root_lines else "lines"
        return [Missing(None, steps[0], f"{started} but no {steps[0]} was ever handled")]
    last_step = steps[max(seen)]
    if max(seen) + 1 >= len(steps):
        return []
    expected = steps[max(seen) + 1]
    last = max((e for e in events if e.event_type == last_step), key=lambda e: e.handled_at or 0)
    handlers = ", ".join(h.service for h in last.handlings)
    failures = [e for e in events if e.event_type in workflow.failure_events]
    if failures:
        reason = (
            f"{last_step} was handled by {handlers} at {clock(last.handled_at)}, then "
            f"{failures[0].event_type} at {clock(failures[0].handled_at)} instead of {expected}"
        )
    else:
        consumers = ", ".join(_consumers(catalog, expected)) or "no service"
        reason = (
            f"{last_step} was handled by {handlers} at {clock(last.handled_at)} but no "
            f"{expected} was handled after it ({consumers} never handled one)"
        )
    return [Missing(last_step, expected, reason)]


def _missing_services(
    steps: list[str], services: list[ServiceSpan], catalog: Catalog | None
) -> list[Missing]:
    """Without event IDs: the first step whose consumers wrote no line at all."""
    present = {s.name for s in services}
    for index, step in enumerate(steps):
        consumers = _consumers(catalog, step)
        if consumers and not present & set(consumers):
            later = [s for s in steps[index + 1 :] if present & set(_consumers(catalog, s))]
            after = steps[index - 1] if index else None
            tail = f"; later steps did log ({', '.join(later)})" if later else ""
            reason = f"no line from {', '.join(consumers)}, which handle(s) {step}{tail}"
            return [Missing(after, step, reason)]
    return []


def decide_status(
    events: list[TraceEvent], errors: list[Line], missing: list[Missing], workflow: Workflow | None
) -> str:
    """``failed`` (a failure event or error lines), ``completed`` or ``incomplete``."""
    types = {e.event_type for e in events}
    if workflow is not None and types & set(workflow.failure_events):
        return "failed"
    if workflow is not None and workflow.success_event in types:
        return "completed"
    if errors:
        return "failed"
    if workflow is None:
        return "completed"
    if events:
        return "incomplete"
    return "incomplete" if missing else "completed"


def find_cycles(events: list[TraceEvent]) -> list[list[str]]:
    """Causation chains that come back to an event they started from."""
    parent = {e.event_id: e.causation_id for e in events}
    cycles: list[list[str]] = []
    seen_in_cycle: set[str] = set()
    for start in parent:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in path:
            path.append(node)
            node = parent[node]
        if node is not None and node in path:
            cycle = path[path.index(node) :]
            if not seen_in_cycle & set(cycle):
                cycles.append(cycle)
                seen_in_cycle.update(cycle)
    return cycles


def sla_breaches(
    events: list[TraceEvent],
    catalog: Catalog | None,
    workflow: Workflow | None,
    started: int | None,
    ended: int | None,
) -> list[SlaBreach]:
    """Hops (emitted → handled) over their event type's SLA, and the whole run over its SLA."""
    breaches = []
    if catalog is not None:
        slas = {t.name: t.hop_sla_s for t in catalog.event_types if t.hop_sla_s}
        for event in events:
            sla = slas.get(event.event_type or "")
            hop = event.hop_ms
            if sla is not None and hop is not None and hop > sla * 1000:
                route = f"{event.emitted_by} → {event.service}"
                what = f"{event.event_type} {event.event_id[:8]} ({route})"
                breaches.append(SlaBreach(what, hop, round(sla * 1000), event.event_id))
    if (
        workflow is not None
        and started is not None
        and ended is not None
        and ended - started > workflow.sla_s * 1000
    ):
        breaches.append(
            SlaBreach(
                f"workflow {workflow.name} end to end",
                ended - started,
                round(workflow.sla_s * 1000),
            )
        )
    return breaches
