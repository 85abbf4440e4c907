"""``obskit runbook``: render RUNBOOK.md from the catalog, and check it (``obskit runbook check``).

The scenarios and the renderer live in ``runbooks`` (layer 2); this module parses options, wires
the real click CLI in as the parser for ``obskit`` commands named by steps, and sets exit codes:
0 written / sound, 1 problems found (each printed), 2 the catalog is invalid.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from catalog import CatalogError, load_catalog
from catalog.models import Catalog
from dashboards.build import build_monitoring
from insights_queries.library import build_queries
from runbooks.render import write_runbook
from runbooks.runbook_check import check_runbook
from runbooks.scenarios import CatalogArgs, build_scenarios
from tools.options import catalog_option, stage_option
from tools.runbook_obskit import parse_obskit

_CATALOG_HELP = (
    "Catalog YAML file (default: $OBSKIT_CATALOG, else the embedded Alchemiser example)."
)


def _load(catalog_path: Path | None, stage: str | None) -> Catalog:
    try:
        return load_catalog(catalog_path, stage=stage)
    except CatalogError as exc:
        err = Console(stderr=True, highlight=False)
        for problem in exc.problems:
            err.print(f"[red]{escape(str(problem))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None


def _args(catalog_path: Path | None, stage: str | None) -> CatalogArgs:
    return CatalogArgs(catalog=str(catalog_path) if catalog_path else None, stage=stage)


@click.group(invoke_without_command=True)
@catalog_option
@stage_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write RUNBOOK.md to.",
)
@click.pass_context
def runbook(
    ctx: click.Context, catalog_path: Path | None, stage: str | None, out_dir: Path | None
) -> None:
    """Render RUNBOOK.md (--out DIR) from the catalog's incident scenarios, or check it.

    Every generated alarm gets an entry whose anchor is the alarm's name (the link in its
    description); every scenario lists symptoms, diagnosis, mitigation, verification, rollback
    and escalation with exact commands. Same catalog, same bytes.

    \b
    Examples:
      obskit runbook --out out/
      obskit runbook --catalog examples/orders/catalog.yaml --out out/orders
      obskit runbook check
    """
    if ctx.invoked_subcommand is not None:
        return
    if out_dir is None:
        raise click.UsageError("give --out DIR to render RUNBOOK.md, or run 'obskit runbook check'")
    catalog = _load(catalog_path, stage)
    path = write_runbook(catalog, out_dir, _args(catalog_path, stage))
    scenarios = build_scenarios(catalog)
    Console(highlight=False).print(
        f"wrote {escape(str(path))}: {len(scenarios)} scenarios", soft_wrap=True
    )


@runbook.command("check")
@catalog_option
@stage_option
def check(catalog_path: Path | None, stage: str | None) -> None:
    """Check the runbook: every alarm has a scenario, every scenario a drill, and every query,
    dashboard and command a step names exists (commands parsed against the real CLIs).

    Exit 0 when sound, 1 listing every problem, 2 when the catalog is invalid.
    """
    catalog = _load(catalog_path, stage)
    scenarios = build_scenarios(catalog, _args(catalog_path, stage))
    problems = check_runbook(
        catalog, scenarios, build_monitoring(catalog), build_queries(catalog), parse_obskit
    )
    out = Console(highlight=False)
    if not problems:
        steps = sum(len(s.steps()) for s in scenarios)
        out.print(f"runbook ok: {len(scenarios)} scenarios, {steps} steps, every alarm covered")
        return
    err = Console(stderr=True, highlight=False)
    for problem in problems:
        err.print(f"[red]{escape(str(problem))}[/red]", soft_wrap=True)
    err.print(f"{len(problems)} problem(s)")
    raise SystemExit(1)
