"""``obskit deploy`` and ``obskit diff``: apply the catalog's monitoring with boto3, or show what
differs from what is deployed. A thin layer over ``dashboards.deploy_aws`` (which the sandbox
calls too): options, output, exit codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape

from catalog import Catalog, CatalogError, load_catalog
from dashboards.build import build_monitoring
from dashboards.deploy_aws import AwsClients
from dashboards.deploy_aws import deploy as deploy_monitoring
from dashboards.deploy_aws import diff as diff_monitoring
from dashboards.deploy_plan import Change, DesiredState, desired_state
from dashboards.overrides import OverrideError
from dashboards.problems import problem_lines
from dashboards.queries_bridge import saved_queries
from dashboards.validation.issues import MonitoringValidationError
from tools.options import aws_options, catalog_options

_MARKS = {
    "add": ("+", "green"),
    "change": ("~", "yellow"),
    "remove": ("-", "red"),
    "skipped": ("!", "magenta"),
    "unchanged": ("=", "dim"),
}


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The catalog and AWS options deploy and diff share (see :mod:`tools.options`)."""
    return catalog_options(aws_options(func))


def _prepare(
    catalog_path: Path | None,
    stage: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> tuple[AwsClients, DesiredState, Catalog]:
    err = Console(stderr=True, highlight=False)
    try:
        catalog = load_catalog(catalog_path, stage=stage)
    except CatalogError as exc:
        for problem in exc.problems:
            err.print(f"[red]{escape(str(problem))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    try:
        saved = saved_queries(catalog)
        monitoring = build_monitoring(catalog, saved)
    except (OverrideError, MonitoringValidationError) as exc:
        for line in problem_lines(catalog, exc):
            err.print(f"[red]{escape(line)}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    try:
        clients = AwsClients.create(
            endpoint_url=endpoint_url, region=region or catalog.region, profile=profile
        )
        desired = desired_state(catalog, clients.account_id(), clients.region, monitoring, saved)
    except (ClientError, BotoCoreError) as exc:
        raise _aws_error(exc) from None
    return clients, desired, catalog


def _print_changes(console: Console, changes: Iterable[Change], verbose: bool) -> None:
    """One line per change (field details below); skipped ones grouped by kind and reason."""
    skipped: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        if change.action == "skipped":
            skipped.setdefault((change.kind, "; ".join(change.details)), []).append(change.name)
            continue
        if change.action == "unchanged" and not verbose:
            continue
        mark, style = _MARKS[change.action]
        console.print(
            f"[{style}]{mark} {change.action:<9} {change.kind:<16} {escape(change.name)}[/{style}]",
            soft_wrap=True,
        )
        for detail in change.details:
            console.print(f"      {escape(detail)}", soft_wrap=True)
    mark, style = _MARKS["skipped"]
    for (kind, reason), names in skipped.items():
        console.print(
            f"[{style}]{mark} skipped   {kind:<16} {len(names)} of them: {escape(reason)}[/{style}]",
            soft_wrap=True,
        )
        if verbose:
            for name in names:
                console.print(f"      {escape(name)}", soft_wrap=True)


def _summary(changes: Iterable[Change]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    order = ("add", "change", "remove", "unchanged", "skipped")
    return ", ".join(f"{counts.get(a, 0)} {a}" for a in order)


def _aws_error(exc: Exception) -> SystemExit:
    Console(stderr=True, highlight=False).print(
        f"[red]AWS call failed: {escape(str(exc))}[/red]", soft_wrap=True
    )
    return SystemExit(3)


@click.command()
@_options
@click.option("--verbose", "-v", is_flag=True, help="Also list what is unchanged.")
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when anything would be added/changed/removed."
)
def diff(
    catalog_path: Path | None,
    stage: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    verbose: bool,
    exit_code: bool,
) -> None:
    """Show what differs between the catalog's monitoring and what is deployed.

    + add, ~ change (with each field's old → new), - remove (ours, no longer generated),
    ! skipped (the endpoint cannot store that kind: e.g. moto has no composite alarms or
    query definitions).
    """
    clients, desired, _ = _prepare(catalog_path, stage, endpoint_url, region, profile)
    try:
        changes = diff_monitoring(clients, desired)
    except (ClientError, BotoCoreError) as exc:
        raise _aws_error(exc) from None
    console = Console(highlight=False)
    _print_changes(console, changes, verbose)
    console.print(_summary(changes))
    if exit_code and any(c.action in ("add", "change", "remove") for c in changes):
        raise SystemExit(1)


@click.command()
@_options
@click.option(
    "--prune", is_flag=True, help="Also delete our alarms/dashboards no longer generated."
)
def deploy(
    catalog_path: Path | None,
    stage: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    prune: bool,
) -> None:
    """Apply the catalog's dashboards, alarms, composite alarms, metric filters and queries.

    Idempotent: only what differs is written. What the endpoint cannot store is reported as
    skipped, with the reason.
    """
    clients, desired, catalog = _prepare(catalog_path, stage, endpoint_url, region, profile)
    try:
        report = deploy_monitoring(clients, desired, prune=prune)
    except (ClientError, BotoCoreError) as exc:
        raise _aws_error(exc) from None
    console = Console(highlight=False)
    _print_changes(console, report.applied, verbose=False)
    _print_changes(console, report.skipped, verbose=False)
    kept = [c for c in report.changes if c.action == "remove" and not prune]
    if kept:
        console.print(f"{len(kept)} of ours no longer generated: kept (pass --prune to delete)")
    console.print(
        f"{catalog.system} ({catalog.stage}) → {escape(clients.region)}: {len(report.applied)} "
        f"applied, {len(report.skipped)} skipped"
    )
