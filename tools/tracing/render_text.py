"""The terminal view: a timeline of the services, the causation tree, and what went wrong.

Written with rich so colours carry meaning (errors red, warnings yellow, SLA breaches magenta) and
the layout survives narrow terminals; with ``no_color`` or a pipe it degrades to plain text that
tests and ``grep`` can read.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from tools.tracing.model import Line, Trace, TraceEvent, clock, iso

BAR_WIDTH = 24
STATUS_STYLES = {"completed": "bold green", "failed": "bold red", "incomplete": "bold yellow"}


def seconds(ms: int | None) -> str:
    """``1.234 s`` (or ``-``)."""
    return "-" if ms is None else f"{ms / 1000:.3f} s"


def render_text(trace: Trace, console: Console, *, max_lines: int = 3) -> None:
    """Print the whole trace to ``console``."""
    _header(trace, console)
    console.print(timeline(trace))
    if trace.events:
        console.print(causation_tree(trace, max_lines=max_lines))
    else:
        console.print(
            Text(
                "No line carries an event_id: showing spans per service (no causation tree).",
                style="dim",
            )
        )
    _problems(trace, console)


def _header(trace: Trace, console: Console) -> None:
    status = Text(trace.status.upper(), style=STATUS_STYLES.get(trace.status, "bold"))
    title = Text.assemble(
        "Trace ",
        (trace.correlation_id, "bold"),
        "  ",
        status,
        f"  workflow {trace.workflow or '-'}",
    )
    console.print(title)
    console.print(
        f"{iso(trace.started_at)} → {iso(trace.ended_at)}  ({seconds(trace.duration_ms)}, "
        f"{len(trace.lines)} lines, {len(trace.services)} services)"
    )
    console.print(Text(f"searched {trace.searched}", style="dim"))


def timeline(trace: Trace) -> Table:
    """One row per service in the order it first wrote, with a bar showing when it was busy."""
    table = Table(title="Services in the order they ran", title_justify="left")
    for name in ("service", "lines", "share", "errors", "warn", "first", "duration"):
        table.add_column(name, justify="left" if name == "service" else "right", no_wrap=True)
    table.add_column("timeline", no_wrap=True)
    total = len(trace.lines) or 1
    start = trace.started_at or 0
    span = max(trace.duration_ms or 0, 1)
    for s in trace.services:
        left = min(round((s.first_at - start) / span * BAR_WIDTH), BAR_WIDTH - 1)
        width = max(1, round(s.duration_ms / span * BAR_WIDTH))
        bar = Text(" " * left + "█" * min(width, BAR_WIDTH - left))
        bar.stylize("red" if s.errors else "cyan")
        table.add_row(
            s.name,
            f"{s.lines:,}",
            f"{100 * s.lines / total:.1f}%",
            Text(str(s.errors), style="bold red" if s.errors else ""),
            Text(str(s.warnings), style="yellow" if s.warnings else ""),
            clock(s.first_at),
            seconds(s.duration_ms),
            bar,
        )
    return table


def causation_tree(trace: Trace, *, max_lines: int = 3) -> Tree:
    """The events under the step that started the workflow, each under the event that caused it."""
    starter = trace.root_lines[0].service if trace.root_lines else "?"
    root = Tree(
        Text.assemble(("workflow ", "bold"), trace.correlation_id, f"  started by {starter}")
    )
    _add_lines(root, trace.root_lines, max_lines)
    seen: set[str] = set()
    for event in trace.children(trace.correlation_id):
        _add_event(root, trace, event, seen, max_lines)
    for orphan in trace.orphans:
        branch = root.add(Text(f"orphan: caused by unknown {orphan.causation_id}", style="red"))
        _add_event(branch, trace, orphan, seen, max_lines)
    for event in trace.events:  # only a causation cycle leaves an event unreached by now
        if event.event_id not in seen:
            branch = root.add(Text("in a causation cycle:", style="bold red"))
            _add_event(branch, trace, event, seen, max_lines)
    return root


def _event_label(event: TraceEvent, breached: set[str]) -> Text:
    """``TradeExecuted 1a2b3c4d execution → trade-aggregator 20:39:51.538 +10 ms``."""
    services = ", ".join(h.service for h in event.handlings)
    label = Text.assemble(
        (event.event_type or "?", "bold cyan"),
        f" {event.event_id[:8]} {event.emitted_by or '?'} → {services} {clock(event.handled_at)}",
    )
    if event.hop_ms is not None:
        over = event.event_id in breached
        label.append(f" +{event.hop_ms} ms", style="bold magenta" if over else "")
        if over:
            label.append(" over SLA", style="bold magenta")
    if event.handled_count > 1:
        label.append(f"  handled {event.handled_count}×", style="bold yellow")
    return label


def _add_event(
    parent: Tree, trace: Trace, event: TraceEvent, seen: set[str], max_lines: int
) -> None:
    if event.event_id in seen:
        parent.add(Text(f"cycle back to {event.event_id[:8]}", style="bold red"))
        return
    seen.add(event.event_id)
    breached = {b.event_id for b in trace.sla_breaches if b.event_id}
    node = parent.add(_event_label(event, breached))
    for handling in event.handlings:
        _add_lines(node, handling.lines, max_lines)
    for child in trace.children(event.event_id):
        _add_event(node, trace, child, seen, max_lines)


def _add_lines(node: Tree, lines: list[Line], max_lines: int) -> None:
    for line in lines[:max_lines]:
        node.add(_line_text(line))
    if len(lines) > max_lines:
        node.add(Text(f"… {len(lines) - max_lines} more line(s)", style="dim"))


def _line_text(line: Line) -> Text:
    style = "red" if line.is_error else "yellow" if line.is_warning else "dim"
    return Text(f"{clock(line.at)} {line.level or '-':<7} {line.service}: {line.message}", style)


def _problems(trace: Trace, console: Console) -> None:
    for title, lines, style in (
        ("Errors", trace.errors, "bold red"),
        ("Warnings", trace.warnings, "yellow"),
    ):
        console.print(Text(f"{title}: {len(lines)}", style=style if lines else "dim"))
        for line in lines:
            console.print(
                Text(f"  {iso(line.at)} {line.service}: {line.message}", style=style),
                soft_wrap=True,
            )
    for missing in trace.missing:
        console.print(
            Text(f"Missing {missing.expected_event_type}: {missing.reason}", style="bold yellow")
        )
    for breach in trace.sla_breaches:
        console.print(
            Text(
                f"Over SLA: {breach.what} took {seconds(breach.took_ms)} "
                f"(SLA {seconds(breach.sla_ms)})",
                style="bold magenta",
            )
        )
    for event_id, count in trace.duplicates:
        console.print(Text(f"Duplicate: {event_id} handled {count} times", style="yellow"))
    for orphan in trace.orphans:
        console.print(
            Text(
                f"Orphan: {orphan.event_type} {orphan.event_id} names causation_id "
                f"{orphan.causation_id}, which no event has",
                style="red",
            )
        )
    for cycle in trace.cycles:
        console.print(Text("Cycle: " + " → ".join(c[:8] for c in cycle), style="bold red"))
    console.print(Text(f"Malformed lines: {trace.malformed_lines}", style="dim"))
    for note in trace.notes:
        console.print(Text(note, style="dim"))
