"""The demo: the Alchemiser on the sandbox, 20 workflows, what happened, one workflow traced.

``obskit demo`` calls :func:`run_demo`. Everything runs on a local moto_server it starts and stops;
time is simulated, so the whole run takes well under a minute of wall time.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sandbox.clock import START_ENV, default_start, iso, resolve_start
from sandbox.history import backfill_completions
from sandbox.session import Sandbox
from sandbox.summary import Summary

DEMO_WORKFLOWS = 20
#: The simulated clock starts this long before a whole hour, and the demo runs until just past
#: it: the hourly heartbeat evaluates, while every per-minute alarm still has the run's data.
DEMO_LEAD_S = 120.0
DEMO_PAST_HOUR_S = 30.0
LEVEL_STYLES = {"DEBUG": "dim", "INFO": "green", "WARNING": "yellow", "ERROR": "bold red"}


@dataclass(frozen=True)
class DemoResult:
    summary: Summary
    traced: str | None
    wall_seconds: float


def trace_table(box: Sandbox, correlation_id: str) -> Table:
    """Every line of one workflow, across every log group, in time order."""
    table = Table(title=f"Workflow {correlation_id}")
    table.add_column("time (UTC)")
    table.add_column("service")
    table.add_column("level")
    table.add_column("message")
    table.add_column("event_type")
    for record in box.workflow_lines(correlation_id):
        line = record.json() or {}
        level = str(line.get("level", ""))
        style = LEVEL_STYLES.get(level, "")
        table.add_row(
            iso(record.timestamp)[11:],
            str(line.get("service", "")),
            f"[{style}]{level}[/{style}]" if style else level,
            str(line.get("message", "")),
            str(line.get("event_type") or ""),
        )
    return table


#: Prints one workflow's trace: (the running sandbox, the correlation id, the console).
Tracer = Callable[[Sandbox, str, Console], None]


def print_lines(box: Sandbox, correlation_id: str, console: Console) -> None:
    """The default tracer: the workflow's lines from every log group, in time order."""
    console.print(trace_table(box, correlation_id))


def demo_start(wall_now: float) -> float:
    """The pinned start (``$OBSKIT_SANDBOX_START``) exactly, else a little before a whole hour,
    hours in the past, so the hourly heartbeat evaluates during the demo."""
    if os.environ.get(START_ENV):
        return resolve_start(None, wall_now)
    return default_start(wall_now) + 300.0 - DEMO_LEAD_S


def run_demo(
    console: Console | None = None,
    *,
    catalog: str | Path | None = None,
    workflows: int = DEMO_WORKFLOWS,
    seed: int = 0,
    trace: Tracer | None = None,
) -> DemoResult:
    """Sandbox up, run ``workflows`` workflows, print the summary and one trace, sandbox down.

    ``trace`` replaces the default tracer (e.g. ``obskit trace`` pointed at ``box.endpoint_url``:
    the workflow's lines are in the endpoint's CloudWatch Logs).
    """
    out = console or Console()
    began = time.monotonic()
    with out.status("starting moto_server and creating the catalog's resources..."):
        box = Sandbox.start(catalog, seed=seed, start_time=demo_start(time.time()))
    with box:
        # a system that has been running: its schedules' runs of the last day completed
        backfill_completions(box.catalog, box.metrics, box.clock.now())
        out.print(
            f"sandbox up on {box.endpoint_url}: {len(box.resources.queues)} queues, "
            f"{len(box.alarms.states())} alarms deployed and evaluated on a simulated clock"
        )
        with out.status(f"running {workflows} workflows..."):
            # Started together (a burst), so each poll carries a batch: fewer calls to moto_server.
            box.run_workflows(workflows, spacing_s=0.0, flush=False)
            next_hour = math.ceil(box.clock.now() / 3600.0) * 3600.0
            box.advance(max(60.0, next_hour + DEMO_PAST_HOUR_S - box.clock.now()))
        summary = box.summary()
        out.print(summary.render())
        transitions = box.alarm_transitions()
        moved = {name: n for name, n in transitions.items() if n}
        out.print(
            f"alarm transitions into or out of ALARM during the run: {sum(moved.values())}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(moved.items()))})" if moved else "")
        )
        ids = box.correlation_ids()
        traced = ids[0] if ids else None
        if traced is not None:
            (trace or print_lines)(box, traced, out)
    wall = time.monotonic() - began
    out.print(f"sandbox down; {wall:.1f} s of wall time")
    return DemoResult(summary, traced, wall)
