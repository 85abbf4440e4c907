"""``obskit sandbox``: the catalog's system on a local moto_server (up, run, status, down).

A thin layer over :mod:`sandbox`: options, output, exit codes. ``up`` leaves moto_server
running, with the catalog's Lambda functions created in it and the Lambda gateway in front of it
(:mod:`sandbox.lambda_gateway`: an asynchronous Invoke lands on the function's delivery
queue, as in a drill), and records where in a state file; ``run`` re-attaches to it (resources
are created idempotently, the simulated clock continues, reserved concurrency is read back from
the functions, so a runbook's ``aws lambda put-function-concurrency`` takes effect), runs
workflows and prints the summary; ``down`` stops both.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from catalog import CatalogError
from sandbox import Sandbox, SandboxError, state_file
from sandbox.aws import client_for
from sandbox.lambda_gateway import spawn
from sandbox.lambda_mirror import LambdaMirror, create_functions, delivery_queues
from sandbox.moto_server import MotoServer
from tools.options import catalog_option
from tools.sandbox_start_option import start_option


def _fail(message: str, code: int = 2) -> SystemExit:
    Console(stderr=True, highlight=False).print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return SystemExit(code)


@click.group()
def sandbox() -> None:
    """Run the catalog's system locally on moto_server, with real alarm evaluation."""


@sandbox.command()
@catalog_option
@start_option
@click.option("--seed", default=0, show_default=True, help="Seed for every random choice.")
def up(catalog_path: Path | None, seed: int) -> None:
    """Start moto_server and create the catalog's resources, alarms, dashboards and functions.

    Prints the endpoint to export: the Lambda gateway in front of moto_server, so runbook
    commands (``aws ...``, ``obskit dlq replay --lambda ...``) act on the sandbox as on AWS.
    """
    server = MotoServer(detach=True).start()
    try:
        box = Sandbox.start(catalog_path, endpoint_url=server.endpoint_url, seed=seed)
    except (CatalogError, SandboxError, ClientError, BotoCoreError) as error:
        server.stop()
        raise _fail(f"sandbox up failed: {error}") from None
    except BaseException:  # never leave a detached moto_server that `down` cannot find
        server.stop()
        raise
    try:
        create_functions(box)
        gateway, gateway_url = spawn(server.endpoint_url, delivery_queues(box), box.catalog.region)
    except (ClientError, BotoCoreError, RuntimeError) as error:
        server.stop()
        raise _fail(f"sandbox up failed: {error}") from None
    finally:
        box.stop()
    state_file.save(
        state_file.SandboxState(
            endpoint_url=server.endpoint_url,
            pid=server.pid,
            catalog=str(catalog_path) if catalog_path else None,
            seed=seed,
            clock=box.clock.now(),
            gateway_url=gateway_url,
            gateway_pid=gateway.pid,
        )
    )
    console = Console(highlight=False)
    queues = len(box.resources.queues)
    alarms = len(box.monitoring.specs) if box.monitoring else 0
    console.print(
        f"sandbox up: {box.catalog.system} ({box.catalog.stage}), {queues} queues, "
        f"{len(box.resources.topics)} topics, {alarms} alarms, "
        f"{len(box.catalog.services)} functions"
    )
    console.print(f"moto_server {server.endpoint_url}; Lambda gateway {gateway_url}")
    console.print(f"export AWS_ENDPOINT_URL={gateway_url}")


@sandbox.command()
@click.option("--workflows", "-n", default=1, show_default=True, help="Runs to start.")
@click.option(
    "--workflow",
    "-w",
    default=None,
    help="The workflow to run (default: every workflow that says how it starts, shared by "
    "rate_per_hour).",
)
@click.option(
    "--fault",
    multiple=True,
    metavar="[rule:|topic:]NAME=KIND",
    help=(
        "Inject a fault first (repeatable): SERVICE=fail|crash|slow[:S]|duplicate|throttle, "
        "rule:NAME=deliver-fail or topic:NAME=deliver-fail."
    ),
)
@click.option(
    "--advance", default=0.0, show_default=True, help="Simulated seconds to run afterwards."
)
def run(workflows: int, workflow: str | None, fault: tuple[str, ...], advance: float) -> None:
    """Start N runs the way the catalog says each workflow starts, and print the summary.

    Each run of one sandbox continues its timeline with fresh IDs. A workflow starts by its
    schedule, a direct or API invocation of its entry service, a message on a queue or an event
    on a bus (`workflows[].start` in the catalog).
    """
    try:
        state = state_file.load()
        box = Sandbox.start(
            state.catalog,
            endpoint_url=state.endpoint_url,
            seed=state_file.run_seed(state.seed, state.runs),
            start_time=state.clock,
        )
    except (CatalogError, SandboxError, ClientError, BotoCoreError) as error:
        raise _fail(f"sandbox run: {error}") from None
    try:
        _read_back_functions(box)
        for spec in fault:
            name, sep, kind = spec.partition("=")
            if not sep:
                raise _fail(f"--fault {spec!r}: expected SERVICE=KIND, e.g. portfolio=crash")
            target, colon, rest = name.partition(":")
            if colon and target in ("rule", "topic"):
                box.inject_fault(rest.strip(), kind.strip(), target=target)
            else:
                box.inject_fault(name.strip(), kind.strip())
        box.run_workflows(workflows, workflow=workflow)
        if advance:
            box.advance(advance)
        Console().print(box.summary().render())
        state.clock = box.clock.now()
        state.add_run(
            {
                w.name: dataclasses.asdict(box.workflow_counts(w.name))
                for w in box.catalog.workflows
            },
            box.alarm_transitions(),
        )
        state_file.save(state)
    except SandboxError as error:
        raise _fail(f"sandbox run: {error}") from None
    finally:
        box.stop()


def _read_back_functions(box: Sandbox) -> None:
    """Reserved concurrency as the functions in moto have it now (a runbook command may have
    changed it since the last run); nothing to read where ``up`` created no functions."""
    mirror = LambdaMirror(box, client_for("lambda", box.endpoint_url, box.catalog.region))
    try:
        mirror.sync()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise


@sandbox.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: tables; json: endpoint, gateway, clock, workflows, alarms and queues.",
)
def status(output_format: str) -> None:
    """Show the endpoints, the simulated clock, workflows so far, queue depths and alarm states.

    Workflows (started, completed, failed) and alarm transitions (into or out of ALARM) are
    summed over every `sandbox run`; states and depths are read from the endpoint. Exit 1 when
    no sandbox is up or its moto_server is gone.
    """
    try:
        state = state_file.load()
    except SandboxError as error:
        raise _fail(str(error), code=1) from None
    alive = state.pid is not None and state_file.is_moto_process(state.pid)
    if not alive:
        if output_format == "json":
            click.echo(json.dumps({"endpoint": state.endpoint_url, "running": False}))
        else:
            Console(highlight=False).print(f"{state.endpoint_url} (not running)")
        raise SystemExit(1)
    snapshot = _status_snapshot(state)
    if output_format == "json":
        click.echo(json.dumps(snapshot, indent=2))
        return
    _print_status(snapshot)


def _status_snapshot(state: state_file.SandboxState) -> dict[str, Any]:
    """What `status` shows, as one JSON-ready value."""
    from catalog import load_catalog
    from sandbox.clock import iso

    region = load_catalog(state.catalog).region
    sqs = client_for("sqs", state.endpoint_url, region)
    cloudwatch = client_for("cloudwatch", state.endpoint_url, region)
    queues = []
    for url in sorted(sqs.list_queues().get("QueueUrls", [])):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queues.append(
            {
                "name": url.rsplit("/", 1)[-1],
                "visible": int(attributes.get("ApproximateNumberOfMessages", "0")),
                "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0")),
            }
        )
    alarms = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate():
        for alarm in page.get("MetricAlarms", []):
            name = alarm["AlarmName"]
            alarms.append(
                {
                    "name": name,
                    "state": alarm["StateValue"],
                    "transitions": state.alarm_transitions.get(name, 0),
                }
            )
    return {
        "endpoint": state.endpoint_url,
        "gateway": state.gateway_url,
        "running": True,
        "clock": iso(state.clock),
        "runs": state.runs,
        "workflows": state.workflows,
        "alarms": sorted(alarms, key=lambda a: a["name"]),
        "queues": queues,
    }


def _print_status(snapshot: dict[str, Any]) -> None:
    console = Console(highlight=False)
    console.print(f"moto_server {snapshot['endpoint']} (running); clock {snapshot['clock']}")
    if snapshot["gateway"]:
        console.print(f"export AWS_ENDPOINT_URL={snapshot['gateway']}")
    flows = Table(title=f"Workflows ({snapshot['runs']} runs)")
    for column in ("workflow", "started", "completed", "failed"):
        flows.add_column(column, justify="left" if column == "workflow" else "right")
    for name, counts in snapshot["workflows"].items():
        flows.add_row(name, *(str(counts.get(k, 0)) for k in ("started", "completed", "failed")))
    queues = Table(title="Queues")
    queues.add_column("queue")
    queues.add_column("visible", justify="right")
    queues.add_column("in flight", justify="right")
    for queue in snapshot["queues"]:
        queues.add_row(queue["name"], str(queue["visible"]), str(queue["in_flight"]))
    alarms = Table(title="Alarms")
    alarms.add_column("alarm")
    alarms.add_column("state")
    alarms.add_column("transitions", justify="right")
    for alarm in snapshot["alarms"]:
        alarms.add_row(alarm["name"], alarm["state"], str(alarm["transitions"]))
    console.print(flows)
    console.print(queues)
    console.print(alarms)


@sandbox.command()
def down() -> None:
    """Stop the sandbox's moto_server and its Lambda gateway, and forget them."""
    try:
        state = state_file.load()
    except SandboxError as error:
        raise _fail(str(error), code=1) from None
    stopped = state_file.stop_server(state)
    state_file.remove()
    Console(highlight=False).print(
        f"sandbox down: {state.endpoint_url} {'stopped' if stopped else 'was not running'}"
    )
