"""``--format mermaid``: the workflow as a mermaid sequence diagram (paste into a PR or a wiki).

Participants are the services in the order they first wrote; an arrow is an event going from the
service that emitted it to the one that handled it, labelled with its type and hop latency. Logs
without event IDs still give the hand-over from one service's span to the next. Errors and the
step where the workflow stopped are notes on the service concerned.
"""

from __future__ import annotations

import re

from tools.tracing.model import Trace, clock

_UNSAFE = re.compile(r"[;#<>{}\[\]\"]")
MAX_TEXT = 80


def _text(value: str) -> str:
    """Label text mermaid accepts: no statement separators, comments or markup; one line."""
    flat = " ".join(value.split())
    flat = _UNSAFE.sub(" ", flat)
    return flat if len(flat) <= MAX_TEXT else flat[: MAX_TEXT - 1] + "…"


def render_mermaid(trace: Trace) -> str:
    """The sequence diagram text."""
    ids = {s.name: f"s{i}" for i, s in enumerate(trace.services)}
    out = ["sequenceDiagram", f"    title {_text(trace.correlation_id)} ({trace.status})"]
    for service in trace.services:
        out.append(f"    participant {ids[service.name]} as {_text(service.name)}")
    if trace.events:
        for event in trace.events:
            source = ids.get(event.emitted_by or "")
            hop = f" +{event.hop_ms} ms" if event.hop_ms is not None else ""
            for handling in event.handlings:
                target = ids[handling.service]
                arrow = "->>" if handling is event.handlings[0] else "-->>"
                label = _text(f"{event.event_type or '?'} {event.event_id[:8]}{hop}")
                if handling.invocations > 1 or event.duplicate_lines:
                    label += f" x{event.handled_count}"
                out.append(f"    {source or target}{arrow}{target}: {label}")
    else:
        for before, after in zip(trace.services, trace.services[1:], strict=False):
            out.append(
                f"    {ids[before.name]}->>{ids[after.name]}: "
                f"{clock(after.first_at)} ({before.lines} lines before)"
            )
    for line in trace.errors:
        out.append(f"    Note over {ids[line.service]}: {_text(line.level + ' ' + line.message)}")
    for missing in trace.missing[:5]:
        anchor = ids[trace.services[-1].name] if trace.services else "s0"
        out.append(f"    Note over {anchor}: {_text('missing ' + missing.expected_event_type)}")
    return "\n".join(out)
