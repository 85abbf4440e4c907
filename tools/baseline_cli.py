"""``obskit baseline``: record latency and throughput of a run, for regressions and for ``ready``.

From log files of a run (``--from-logs``: the sandbox's, the demo's, or an export from CloudWatch),
from a fresh sandbox run (``--sandbox N``, keeping its logs with ``--logs-out``), or from
CloudWatch metrics (``--aws``, over ``--since``/``--until``). The work is in
:mod:`tools.readiness.baseline_logs` / :mod:`tools.readiness.baseline_aws`; this module parses
options, writes the file and prints a summary. Exit codes: 0 written, 2 bad input or AWS error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from catalog import CatalogError, load_catalog
from tools.options import catalog_option, endpoint_url_option, profile_option, stage_option
from tools.readiness.baseline_model import dump_baseline
from tools.readiness.model import ReadinessInputError


def _fail(message: str) -> SystemExit:
    Console(stderr=True, highlight=False).print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return SystemExit(2)


def _from_aws(
    catalog: Any, since: str, until: str | None, endpoint_url: str | None, profile: str | None
) -> dict[str, Any]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from tools.readiness.baseline_aws import baseline_from_cloudwatch
    from tools.tracing.timespec import TimeSpecError, now_ms, parse_time

    try:
        end = parse_time(until) if until else now_ms()
        start = parse_time(since, now=end)
    except TimeSpecError as exc:
        raise _fail(f"--since/--until: {exc}") from None
    if start >= end:
        raise _fail(f"--since ({since}) is not before --until ({until or 'now'})")
    try:
        session = boto3.session.Session(profile_name=profile, region_name=catalog.region)
        cloudwatch = session.client("cloudwatch", endpoint_url=endpoint_url)
        source = {"kind": "cloudwatch", "since": since, "until": until}
        return baseline_from_cloudwatch(catalog, cloudwatch, start, end, source)
    except (BotoCoreError, ClientError) as exc:
        raise _fail(f"cannot read CloudWatch metrics: {exc}") from None


def _from_sandbox(
    catalog: Any, workflows: int, logs_out: Path | None, workflow: str | None = None
) -> dict[str, Any]:
    """Run ``workflows`` runs in a fresh sandbox (its own moto_server) and take their logs: of
    ``workflow``, or of every workflow in proportion to its rate."""
    import tempfile

    from botocore.exceptions import BotoCoreError, ClientError

    from sandbox import Sandbox, SandboxError
    from tools.readiness.baseline_logs import baseline_from_logs
    from tools.readiness.sandbox_logs import write_log_records

    with tempfile.TemporaryDirectory(prefix="obskit-baseline-") as scratch:
        path = logs_out or Path(scratch) / "run.json"
        try:
            with Sandbox.start(catalog) as box:
                counts = box.run_workflows(workflows, spacing_s=60, workflow=workflow)
                write_log_records(box.logs.records, path)
        except (SandboxError, BotoCoreError, ClientError) as exc:
            raise _fail(f"the sandbox run failed: {exc}") from None
        if counts.completed != workflows:
            raise _fail(
                f"the sandbox run is not healthy: {counts.completed} of {workflows} workflows "
                f"completed ({counts.failed} failed): no baseline from it"
            )
        result = baseline_from_logs(catalog, [path])
        result["source"] = {"kind": "sandbox", "workflows": workflows}
        return result


def _summary(baseline: dict[str, Any]) -> Table:
    table = Table(title="baseline", title_justify="left")
    for column in ("what", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column == "what" else "right")
    latency = baseline["latency"]
    rows = [(f"end-to-end {k} (s)", v) for k, v in latency["end_to_end"].items()]
    rows += [(f"hop {k} (s)", v) for k, v in latency["hops"].items()]
    rows += [(f"{k} duration (ms)", v["duration_ms"]) for k, v in latency["services"].items()]
    for what, dist in rows:
        table.add_row(
            escape(what), *(str(dist.get(c)) for c in ("count", "p50", "p95", "p99", "max"))
        )
    return table


@click.command()
@catalog_option
@stage_option
@click.option(
    "--from-logs",
    "logs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Log file of a run, any format the query engine reads (repeatable).",
)
@click.option("--aws", "use_aws", is_flag=True, help="Read CloudWatch metrics instead.")
@click.option(
    "--sandbox",
    "sandbox_workflows",
    type=click.IntRange(min=1),
    default=None,
    help="Run N workflows in a fresh local sandbox and baseline them.",
)
@click.option(
    "--logs-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --sandbox: also keep the run's log lines here (for `obskit ready --logs`).",
)
@click.option(
    "--workflow",
    default=None,
    help="With --sandbox: run only this workflow (default: every workflow, by rate_per_hour).",
)
@click.option("--since", default="24h", show_default=True, help="With --aws: window start.")
@click.option("--until", default=None, help="With --aws: window end (default: now).")
@endpoint_url_option
@profile_option
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Baseline JSON file to write.",
)
def baseline(
    catalog_path: Path | None,
    stage: str | None,
    logs: tuple[Path, ...],
    use_aws: bool,
    sandbox_workflows: int | None,
    logs_out: Path | None,
    workflow: str | None,
    since: str,
    until: str | None,
    endpoint_url: str | None,
    profile: str | None,
    out_path: Path,
) -> None:
    """Write a baseline of latency (per hop, end to end, per service) and throughput.

    Give one of --from-logs FILE..., --aws or --sandbox N. Exit codes: 0 written, 2 bad input.
    """
    if sum([bool(logs), use_aws, sandbox_workflows is not None]) != 1:
        raise _fail("give exactly one of --from-logs FILE..., --aws or --sandbox N")
    if logs_out is not None and sandbox_workflows is None:
        raise _fail("--logs-out goes with --sandbox N")
    if workflow is not None and sandbox_workflows is None:
        raise _fail("--workflow goes with --sandbox N")
    try:
        catalog = load_catalog(catalog_path, stage=stage)
    except CatalogError as exc:
        raise _fail(f"cannot load the catalog {catalog_path or '(embedded)'}: {exc}") from None
    if use_aws:
        result = _from_aws(catalog, since, until, endpoint_url, profile)
    elif sandbox_workflows is not None:
        result = _from_sandbox(catalog, sandbox_workflows, logs_out, workflow)
    else:
        from tools.readiness.baseline_logs import baseline_from_logs

        missing = [str(p) for p in logs if not p.is_file()]
        if missing:
            raise _fail(f"--from-logs: no such file: {', '.join(missing)}")
        try:
            result = baseline_from_logs(catalog, list(logs))
        except ReadinessInputError as exc:
            raise _fail(str(exc)) from None
    dump_baseline(result, out_path)
    console = Console(highlight=False)
    console.print(_summary(result))
    t = result["throughput"]
    console.print(
        f"{escape(str(out_path))}: {t['workflows']} workflows ({t['workflows_per_hour']}/h), "
        f"{t['events']} events ({t['events_per_minute']}/min)"
    )
    for note in result["notes"]:
        console.print(f"[yellow]note: {escape(note)}[/yellow]", soft_wrap=True)
