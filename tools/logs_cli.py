"""``obskit logs``: log volume and cost (``obskit logs report``).

Thin: resolves options, reads lines (files through ``insights_queries.sources``, CloudWatch
through ``tools.logreport.aws``), hands them to ``tools.logreport.analyse`` and prints one
rendering. Exit codes: 0 done; 1 with ``--check`` when over the catalog's budget per workflow;
2 bad input (the message says what and where).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from catalog import Catalog, CatalogError, load_catalog
from insights_queries.sources import LogFiles, SourceError
from tools.logreport import analyse
from tools.logreport.cost import (
    DEFAULT_INGEST_PER_GB,
    DEFAULT_RETENTION_DAYS,
    DEFAULT_SCAN_PER_GB,
    DEFAULT_STORAGE_PER_GB_MONTH,
    DEFAULT_STORED_FRACTION,
    CostInputError,
    Prices,
    stored_fraction,
)
from tools.options import (
    catalog_option,
    endpoint_url_option,
    profile_option,
    region_option,
    stage_option,
)

FORMATS = ("table", "json", "html")
EXIT_OVER_BUDGET, EXIT_BAD_INPUT = 1, 2


class LogsInputError(click.ClickException):
    """Bad input: printed as one line, exit code 2."""

    exit_code = EXIT_BAD_INPUT


@click.group()
def logs() -> None:
    """Log volume, cost and what to turn down."""


@logs.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--aws", "use_aws", is_flag=True, help="Read the catalog's log groups in CloudWatch.")
@catalog_option
@stage_option
@click.option(
    "--log-group",
    "log_groups",
    multiple=True,
    help="With --aws: read this log group instead of the catalog's (repeatable).",
)
@click.option("--since", default=None, help="With --aws: start (ISO time, epoch ms or age: 24h).")
@click.option("--until", default=None, help="With --aws: end (default: now).")
@endpoint_url_option
@region_option
@profile_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the rendering to this file instead of standard output.",
)
@click.option(
    "--price-ingest-gb",
    type=float,
    default=DEFAULT_INGEST_PER_GB,
    show_default=True,
    help="USD per GB ingested (us-east-1 Standard).",
)
@click.option(
    "--price-storage-gb-month",
    type=float,
    default=DEFAULT_STORAGE_PER_GB_MONTH,
    show_default=True,
    help="USD per GB-month stored, after compression.",
)
@click.option(
    "--price-scan-gb",
    type=float,
    default=DEFAULT_SCAN_PER_GB,
    show_default=True,
    help="USD per GB scanned by Logs Insights.",
)
@click.option(
    "--compression-ratio",
    type=float,
    default=DEFAULT_STORED_FRACTION,
    show_default=True,
    help="Stored size as a fraction of ingested (0.15), or an N:1 ratio (6.67).",
)
@click.option(
    "--workflows-per-day",
    type=float,
    default=None,
    help="Workflows a day (default: the catalog's budgets.workflows_per_day).",
)
@click.option(
    "--retention-days",
    type=int,
    default=DEFAULT_RETENTION_DAYS,
    show_default=True,
    help="Days CloudWatch keeps the lines.",
)
@click.option(
    "--budget-bytes",
    type=int,
    default=None,
    help="Bytes per workflow allowed (default: budgets.log_bytes_per_workflow).",
)
@click.option(
    "--debug-buffer-bytes",
    type=int,
    default=None,
    help="The logger's DEBUG buffer bound to model (default: the logger's).",
)
@click.option(
    "--debug-sample-rate",
    type=float,
    default=0.0,
    show_default=True,
    help="The logger's debug_sample_rate to model.",
)
@click.option("--check", is_flag=True, help="Exit 1 when over the budget per workflow.")
def report(
    files: tuple[Path, ...],
    use_aws: bool,
    catalog_path: Path | None,
    stage: str | None,
    log_groups: tuple[str, ...],
    since: str | None,
    until: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    fmt: str,
    out: Path | None,
    price_ingest_gb: float,
    price_storage_gb_month: float,
    price_scan_gb: float,
    compression_ratio: float,
    workflows_per_day: float | None,
    retention_days: int,
    budget_bytes: int | None,
    debug_buffer_bytes: int | None,
    debug_sample_rate: float,
    check: bool,
) -> None:
    """Volume by service, level and call site; cost; advice. From FILES or --aws.

    FILES may be JSON lines, `aws logs filter-log-events` output, Lambda stdout or a capture
    (any format `obskit query` reads). See docs/log-volume.md.
    """
    if bool(files) == use_aws:
        raise LogsInputError("give log FILES or --aws (one of them)")
    if not 0 <= debug_sample_rate <= 1:
        raise LogsInputError(f"--debug-sample-rate must be in [0, 1] (got {debug_sample_rate})")
    if debug_buffer_bytes is not None and debug_buffer_bytes < 0:
        raise LogsInputError(f"--debug-buffer-bytes must be >= 0 (got {debug_buffer_bytes})")
    if budget_bytes is not None and budget_bytes <= 0:
        raise LogsInputError(f"--budget-bytes must be positive (got {budget_bytes})")
    catalog = _catalog(catalog_path, stage)
    try:
        prices = Prices(
            ingest_per_gb=price_ingest_gb,
            storage_per_gb_month=price_storage_gb_month,
            scan_per_gb=price_scan_gb,
            stored_fraction=stored_fraction(compression_ratio),
            retention_days=retention_days,
            workflows_per_day=(
                workflows_per_day
                if workflows_per_day is not None
                else catalog.budgets.workflows_per_day
            ),
        )
    except CostInputError as error:
        raise LogsInputError(str(error)) from None
    events: Any
    if use_aws:
        events, source = _cloudwatch(
            catalog, log_groups, since, until, endpoint_url, region, profile
        )
    else:
        try:
            events = LogFiles(files)
        except SourceError as error:
            raise LogsInputError(str(error)) from None
        source = {"files": [str(p) for p in files]}
    try:
        result = analyse(
            events,
            catalog=catalog,
            prices=prices,
            budget=budget_bytes,
            source=source,
            buffer_bytes=debug_buffer_bytes,
            sample_rate=debug_sample_rate,
        )
    except SourceError as error:
        raise LogsInputError(str(error)) from None
    except RuntimeError as error:  # AwsReadError
        raise LogsInputError(str(error)) from None
    if use_aws:
        result["source"]["missing_log_groups"] = list(events.missing)
    else:
        result["source"]["notices"] = list(events.notices)
        for notice in events.notices:
            click.echo(f"notice: {notice}", err=True)
    if result["totals"]["lines"] == 0:
        raise LogsInputError(f"no log lines found in {_describe(source)}")
    _emit(result, fmt, out)
    if check and result["budget"]["over"]:
        sys.exit(EXIT_OVER_BUDGET)


def _catalog(path: Path | None, stage: str | None) -> Catalog:
    try:
        return load_catalog(path, stage=stage)
    except (CatalogError, OSError, ValueError) as error:
        raise LogsInputError(f"cannot load the catalog {path or '(embedded)'}: {error}") from None


def _cloudwatch(
    catalog: Catalog,
    log_groups: tuple[str, ...],
    since: str | None,
    until: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> tuple[Any, dict[str, Any]]:
    from tools.logreport.aws import CloudWatchLines
    from tools.tracing.timespec import DEFAULT_LOOKBACK_MS, TimeSpecError, now_ms, parse_time

    now = now_ms()
    try:
        end = parse_time(until, now=now) if until else now
        start = parse_time(since, now=now) if since else end - DEFAULT_LOOKBACK_MS
    except TimeSpecError as error:
        raise LogsInputError(str(error)) from None
    if start > end:
        raise LogsInputError(f"--since ({since}) is after --until ({until or 'now'})")
    groups = list(log_groups) or catalog.log_groups()
    if not groups:
        raise LogsInputError("the catalog names no log groups: give --log-group")
    client = _logs_client(endpoint_url, region or catalog.region, profile)
    source = {
        "aws": {
            "log_groups": groups,
            "start_ms": start,
            "end_ms": end,
            "region": region or catalog.region,
            "endpoint_url": endpoint_url,
        }
    }
    return CloudWatchLines(client, groups, start, end), source


def _logs_client(endpoint_url: str | None, region: str, profile: str | None) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return session.client("logs", endpoint_url=endpoint_url)
    except BotoCoreError as error:
        raise LogsInputError(f"cannot create a CloudWatch Logs client: {error}") from None


def _describe(source: dict[str, Any]) -> str:
    if "files" in source:
        return ", ".join(source["files"])
    aws = source["aws"]
    return (
        f"log groups {', '.join(aws['log_groups'])} between {aws['start_ms']} and {aws['end_ms']}"
    )


def _emit(result: dict[str, Any], fmt: str, out: Path | None) -> None:
    if fmt == "table":
        from rich.console import Console

        if out is None:
            from tools.logreport.render_table import render_table

            render_table(result, Console())
            return
        from tools.logreport.render_table import render_table

        with out.open("w", encoding="utf-8") as handle:
            render_table(result, Console(file=handle, width=140, color_system=None))
        return
    if fmt == "json":
        from tools.logreport.render_json import render_json

        text = render_json(result)
    else:
        from tools.logreport.render_html import render_html

        text = render_html(result)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise LogsInputError(f"cannot write {out}: {error.strerror or error}") from None
        click.echo(f"wrote {out}", err=True)
