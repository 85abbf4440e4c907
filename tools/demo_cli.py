"""``obskit demo``: the embedded example end to end, and ``obskit demo local`` in process.

``obskit demo`` (what ``make demo`` runs) starts the sandbox — moto_server on loopback with the
catalog's bus, rules, queues, topics, log groups, alarms and dashboards — runs 20 workflows through
the example services, prints the summary (workflows, per-service invocations and errors, queue
depths, every alarm's state), traces one workflow with ``obskit trace`` against the sandbox's
CloudWatch Logs, ends with the incident drills' table when the drill runner is installed, and
tears the sandbox down.

``obskit demo local`` is the quickest way to see what the logger gives a team: every line of
every service carries the same ``correlation_id``, and the ``causation_id`` chain rebuilds the
workflow's tree — fan-out (one partial signal per strategy, one trade per order) and fan-in (the
aggregated event hangs under the event that completed its set). The services are the embedded
Alchemiser example (``examples/alchemiser/services``), wired by an in-process router instead of
EventBridge, Lambda and SQS; ``--fault`` flips their fault switches to show failures, slowness and
duplicates.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from logging_config import config, sink
from tools.options import catalog_option
from tools.sandbox_start_option import start_option

DEFAULT_EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "examples" / "alchemiser"
#: Keys every line has; the rest are the call's own fields, shown compactly.
COMMON_KEYS = frozenset(
    {
        "timestamp", "level", "message", "service", "logger", "location", "correlation_id",
        "causation_id", "event_id", "event_type", "function_name", "function_request_id",
        "cold_start", "xray_trace_id", "_aws", "exception", "stack_trace",
    }
)  # fmt: skip
LEVEL_STYLES = {"DEBUG": "dim", "INFO": "green", "WARNING": "yellow", "ERROR": "bold red"}


@click.command(name="local")
@click.option(
    "--strategies",
    default=None,
    help="Comma-separated strategies to run (default: all the orchestrator knows).",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="SERVICE=MODE",
    help="Flip a service's fault switch, e.g. portfolio=fail, execution=duplicate, "
    "signal-aggregator=slow:0.2 (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON lines instead.")
@click.option(
    "--example-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_EXAMPLE_DIR,
    show_default=False,
    help="Folder holding the example's services/ package (default: the embedded Alchemiser).",
)
def local_demo(
    strategies: str | None, fault_specs: tuple[str, ...], as_json: bool, example_dir: Path
) -> None:
    """Run one trading workflow of the example services in process and show its lines."""
    _use_example(example_dir)
    service_before = config.STATE.service  # importing a service names an unnamed process
    faults = importlib.import_module("services.faults")
    local_router = importlib.import_module("services.local_router")
    state = importlib.import_module("services.state")

    state.reset_all()
    faults.clear_faults()
    for spec in fault_specs:
        service, sep, mode = spec.partition("=")
        if not sep:
            raise click.BadParameter(f"{spec!r}: expected SERVICE=MODE", param_hint="--fault")
        try:
            faults.set_fault(service.strip(), mode)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--fault") from None
    chosen = [s.strip() for s in strategies.split(",") if s.strip()] if strategies else None
    try:
        with _captured() as buffer:
            router = local_router.run_sample_workflow(chosen)
    finally:
        faults.clear_faults()
        config.STATE.service = service_before
    raw = buffer.getvalue().splitlines()
    if as_json:
        for line in raw:
            click.echo(line.decode("utf-8"))
        return
    lines = [json.loads(line) for line in raw]
    events = [p.detail for p in router.published]
    sources = {str(p.detail.get("event_id")): p.source.rpartition(".")[2] for p in router.published}
    console = Console(width=max(Console().width, 120), highlight=False)
    _print_lines(console, lines, list(router.services))
    console.print(causation_tree(events, sources))
    _print_summary(console, lines, events, router)


def _use_example(example_dir: Path) -> None:
    if not (example_dir / "services" / "__init__.py").is_file():
        raise click.BadParameter(
            f"{example_dir} has no services/ package", param_hint="--example-dir"
        )
    path = str(example_dir.resolve())
    if path not in sys.path:
        sys.path.insert(0, path)


@contextmanager
def _captured() -> Iterator[io.BytesIO]:
    """Send every line to a buffer for the block, then back to where it went before."""
    previous = sink.get_stream()
    buffer = io.BytesIO()
    sink.set_stream(buffer)
    try:
        yield buffer
    finally:
        sink.set_stream(previous)


def _short(value: Any) -> str:
    if not isinstance(value, str):
        return "-"
    return value.removeprefix("workflow-")[:8]


def _fields(line: dict[str, Any]) -> str:
    own = {k: v for k, v in line.items() if k not in COMMON_KEYS}
    if "_aws" in line:
        names = [m["Name"] for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        own = {k: v for k, v in own.items() if k in names}
    return " ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in own.items())


def _print_lines(console: Console, lines: list[dict[str, Any]], order: list[str]) -> None:
    """One table per service, in the order of the flow; lines in the order they were written."""
    services = order + sorted({str(ln.get("service")) for ln in lines} - set(order))
    for service in services:
        own = [ln for ln in lines if ln.get("service") == service]
        if not own:
            continue
        table = Table(title=f"{service} — {len(own)} lines", title_justify="left", expand=True)
        table.add_column("level", no_wrap=True)
        table.add_column("message", ratio=3)
        table.add_column("event", no_wrap=True)
        table.add_column("caused by", no_wrap=True)
        table.add_column("fields", ratio=4)
        for line in own:
            level = str(line.get("level"))
            event = (
                f"{line.get('event_type')} {_short(line.get('event_id'))}"
                if line.get("event_id")
                else "(workflow start)"
            )
            message = "EMF metrics" if "_aws" in line else str(line.get("message"))
            table.add_row(
                Text(level, style=LEVEL_STYLES.get(level, "")),
                message,
                event,
                _short(line.get("causation_id")),
                _fields(line),
            )
        console.print(table)


def causation_tree(events: list[dict[str, Any]], sources: dict[str, str] | None = None) -> Tree:
    """The events as a tree: each under the event its ``causation_id`` names (duplicates once).

    ``sources`` maps an event_id to the service that emitted it, shown beside the event.
    """
    unique: dict[str, dict[str, Any]] = {}
    for event in events:
        unique.setdefault(str(event.get("event_id")), event)
    children: dict[str, list[dict[str, Any]]] = {}
    roots: list[dict[str, Any]] = []
    for event in unique.values():
        parent = str(event.get("causation_id"))
        if parent in unique:
            children.setdefault(parent, []).append(event)
        else:
            roots.append(event)
    correlations = sorted({str(e.get("correlation_id")) for e in roots})
    tree = Tree(f"[bold]causation tree[/] of {', '.join(correlations) or 'no events'}")

    def add(node: Tree, event: dict[str, Any]) -> None:
        event_id = str(event.get("event_id"))
        label = f"[bold]{event.get('event_type')}[/] {_short(event_id)}"
        extra = event.get("strategy") or event.get("order_id") or event.get("failed_step")
        if extra:
            label += f" [cyan]{extra}[/]"
        if event.get("status") not in (None, "filled", "succeeded"):
            label += f" [bold red]{event.get('status')}[/]"
        if sources and event_id in sources:
            label += f" [dim]← {sources[event_id]}[/]"
        branch = node.add(label)
        for child in children.get(str(event.get("event_id")), []):
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree


def _print_summary(
    console: Console, lines: list[dict[str, Any]], events: list[dict[str, Any]], router: Any
) -> None:
    correlations = {ln.get("correlation_id") for ln in lines}
    outcome = next(
        (
            e["event_type"]
            for e in events
            if e["event_type"] in {"WorkflowCompleted", "WorkflowFailed"}
        ),
        "no end event (see the errors above)",
    )
    errors = sum(1 for d in router.deliveries if d.error is not None)
    console.print(
        f"{len(lines)} lines from {len({ln.get('service') for ln in lines})} services, "
        f"{len(correlations)} correlation id(s); {len({e['event_id'] for e in events})} events; "
        f"{len(router.deliveries)} invocations ({errors} raised); outcome: [bold]{outcome}[/]"
    )


def trace_in_sandbox(box: Any, correlation_id: str, console: Console) -> None:
    """Trace one workflow exactly as an operator would: ``obskit trace`` against the endpoint.

    The sandbox's simulated clock runs hours in the past (CloudWatch Logs refuses events from the
    future), so the window is given explicitly.
    """
    from tools.trace_cli import trace

    # moto accepts any credentials; a machine without an AWS profile still needs some to sign.
    for name, value in (("AWS_ACCESS_KEY_ID", "sandbox"), ("AWS_SECRET_ACCESS_KEY", "sandbox")):
        os.environ.setdefault(name, value)
    from sandbox.clock import iso

    # The window is the sandbox's own day, from its simulated clock: it may run days behind the
    # wall clock (on a day the catalog's schedules run, or wherever --start pinned it).
    since, until = iso(box.clock.now() - 86400), iso(box.clock.now() + 60)
    console.rule(f"obskit trace {correlation_id} --endpoint-url {box.endpoint_url}")
    args = [correlation_id, "--endpoint-url", box.endpoint_url, "--since", since, "--until", until]
    if box.catalog.source_file != "<catalog>":  # the demo's own catalog, not the default one
        args += ["--catalog", box.catalog.source_file]
    try:
        trace.main(args, standalone_mode=False)
    except click.ClickException as error:
        console.print(f"[red]trace: {error.format_message()}[/red]")
    except SystemExit as done:  # the command's exit code says completed (0) or not (1)
        if done.code not in (0, None):
            console.print(f"[yellow]trace exited {done.code}: the workflow did not complete[/]")


def run_drills_table(console: Console, drill_ids: tuple[str, ...]) -> bool:
    """Run the drills (every one of the embedded example when ``drill_ids`` is empty) and
    print their table; True when every drill passed."""
    from runbooks.drills.table import demo_table

    console.rule(f"obskit drill run {' '.join(drill_ids) or '--all'}")
    report = demo_table(console, ids=drill_ids)
    return bool(report.passed)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@catalog_option
@click.option("--workflows", default=20, show_default=True, help="Workflows to run.")
@click.option("--seed", default=0, show_default=True, help="Seed for every random choice.")
@click.option(
    "--drill",
    "drill_ids",
    multiple=True,
    metavar="ID",
    help="Drill to end with (repeatable; default: every drill of the embedded example, a "
    "few minutes; `obskit drill list` shows them).",
)
@click.option("--no-drills", is_flag=True, help="Skip the incident drills at the end.")
@start_option
@click.pass_context
def demo(
    ctx: click.Context,
    catalog_path: Path | None,
    workflows: int,
    seed: int,
    drill_ids: tuple[str, ...],
    no_drills: bool,
) -> None:
    """Run the example system end to end in the local sandbox (moto_server on loopback).

    Sandbox up, WORKFLOWS workflows, a summary table (workflows completed, per-service
    invocations and errors, queue depths, every alarm's state), one workflow traced with
    `obskit trace`, sandbox down; then every incident drill (in parallel, one worker per CPU)
    and their table. `obskit demo local` runs one
    workflow in process instead and prints its correlated lines.
    """
    if ctx.invoked_subcommand is not None:
        return
    from catalog import CatalogError
    from sandbox import SandboxError
    from sandbox.demo import run_demo

    console = Console()
    try:
        result = run_demo(
            console, catalog=catalog_path, workflows=workflows, seed=seed, trace=trace_in_sandbox
        )
    except (CatalogError, SandboxError) as error:
        click.echo(f"Error: demo: {error}", err=True)
        sys.exit(2)
    if result.traced is None:
        raise click.ClickException("no workflow ran in the sandbox: nothing to trace")
    if no_drills or catalog_path is not None:
        return
    if not run_drills_table(console, drill_ids):
        raise click.ClickException("a drill failed: see the table above")


demo.add_command(local_demo)
