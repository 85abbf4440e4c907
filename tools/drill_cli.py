"""``obskit drill run|list``: run incident drills in the sandbox and report them.

The runner lives in ``runbooks.drills`` (layer 2); this module only parses options and prints.
Exit codes: 0 every drill passed, 1 a drill failed, 2 bad input (catalog, scenario id),
130 interrupted (the sandbox is torn down first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from catalog import CatalogError, load_catalog
from catalog.models import Catalog
from runbooks.drills import DrillError, DrillOptions, run_drills, select_scenarios
from runbooks.drills.parallel import default_jobs, run_drills_parallel
from runbooks.drills.report import write_report
from runbooks.drills.table import render_table
from runbooks.scenarios import CatalogArgs, Scenario, build_scenarios
from tools.options import catalog_option, stage_option
from tools.sandbox_start_option import start_option


class BadInput(click.ClickException):
    """Bad input (a catalog that cannot be loaded or drilled): exit status 2, as documented."""

    exit_code = 2


def _scenarios(catalog_path: Path | None, stage: str | None) -> tuple[Catalog, list[Scenario]]:
    try:
        catalog = load_catalog(catalog_path, stage=stage)
    except (CatalogError, OSError) as error:
        raise BadInput(f"cannot load the catalog: {error}") from None
    # absolute: runbook commands run in a fresh working directory per drill
    where = str(catalog_path.resolve()) if catalog_path else None
    args = CatalogArgs(catalog=where, stage=stage)
    return catalog, build_scenarios(catalog, args)


@click.group()
def drill() -> None:
    """Incident drills: inject a fault in the sandbox, check detection, run the runbook."""


@drill.command("list")
@catalog_option
@stage_option
def list_drills(catalog_path: Path | None, stage: str | None) -> None:
    """Every scenario with a drill: id, fault, expected alarms, detection budget."""
    _, scenarios = _scenarios(catalog_path, stage)
    for scenario in scenarios:
        if scenario.drill is None:
            continue
        d = scenario.drill
        alarms = ", ".join(d.expected_alarms) or "none"
        click.echo(
            f"{scenario.id}\t{d.fault.target}:{d.fault.name}:{d.fault.kind}\t"
            f"budget {d.detection_budget_s} s\t{alarms}"
        )


@drill.command("run")
@click.argument("ids", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every drill of the catalog.")
@catalog_option
@stage_option
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the JSON report here, plus .md and .html beside it.",
)
@click.option("--seed", default=0, show_default=True, help="Seed for IDs, jitter and timing.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="the number of CPUs + 1",
    help="Worker processes, each with its own sandbox and moto_server (drills are "
    "independent; each worker takes the next drill when it finishes one).",
)
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@start_option
def run(
    ids: tuple[str, ...],
    run_all: bool,
    catalog_path: Path | None,
    stage: str | None,
    report_path: Path | None,
    seed: int,
    jobs: int,
    quiet: bool,
) -> None:
    """Run drills ID... (or --all): fault, detection, runbook commands, recovery, verdict."""
    if not ids and not run_all:
        raise click.UsageError("name drill ids (see `obskit drill list`) or pass --all")
    if ids and run_all:
        raise click.UsageError("pass drill ids or --all, not both")
    catalog, scenarios = _scenarios(catalog_path, stage)
    try:
        chosen = select_scenarios(scenarios, list(ids))
    except DrillError as error:
        raise click.BadParameter(str(error), param_hint="ID") from None
    options = DrillOptions(
        seed=seed, on_event=None if quiet else lambda line: click.echo(line, err=True)
    )
    label = str(catalog_path) if catalog_path else "embedded example"
    try:
        if jobs > 1 and len(chosen) > 1:
            report = run_drills_parallel(
                catalog, chosen, jobs=jobs, options=options, catalog_label=label
            )
        else:
            report = run_drills(catalog, chosen, options=options, catalog_label=label)
    except DrillError as error:
        raise BadInput(str(error)) from None
    except KeyboardInterrupt:
        click.echo("interrupted: sandbox stopped", err=True)
        sys.exit(130)
    render_table(report, Console())
    if report_path is not None:
        for written in write_report(report, report_path):
            click.echo(f"wrote {written}", err=True)
    sys.exit(0 if report.passed else 1)


@drill.command("mutate")
@click.argument("ids", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Mutate every drillable scenario.")
@catalog_option
@stage_option
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the JSON report here, plus .md and .html beside it.",
)
@click.option(
    "--harmless",
    "harmless_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Markdown page listing harmless survivors (a table: | `mutant id or glob` | reason |).",
)
@click.option("--seed", default=0, show_default=True, help="Seed for IDs, jitter and timing.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="the number of CPUs + 1",
    help="Worker processes, each with its own sandbox and moto_server.",
)
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def mutate(
    ids: tuple[str, ...],
    run_all: bool,
    catalog_path: Path | None,
    stage: str | None,
    report_path: Path,
    harmless_path: Path | None,
    seed: int,
    jobs: int,
    quiet: bool,
) -> None:
    """Break each runnable runbook step the way an operator could; run the drill on each mutant.

    A mutant whose drill still passes survives (the drill cannot tell that runbook from the
    right one); a failing drill kills it. Exit codes: 0 every mutant killed or documented as
    harmless (--harmless), 1 a survivor not documented or a harness error, 2 bad input,
    130 interrupted.
    """
    from runbooks.mutation import run_mutants
    from runbooks.mutation.harmless import Harmless, HarmlessListError
    from runbooks.mutation.mutants import catalog_mutants
    from runbooks.mutation.report import write_report as write_mutation_report
    from runbooks.mutation.table import render_mutation_table

    if not ids and not run_all:
        raise click.UsageError("name drill ids (see `obskit drill list`) or pass --all")
    if ids and run_all:
        raise click.UsageError("pass drill ids or --all, not both")
    if report_path.suffix in (".md", ".html"):
        raise click.BadParameter(
            "the JSON report cannot end in .md or .html", param_hint="--report"
        )
    try:
        harmless = None if harmless_path is None else Harmless.read(harmless_path)
    except HarmlessListError as error:
        raise BadInput(str(error)) from None
    catalog, scenarios = _scenarios(catalog_path, stage)
    try:
        chosen = select_scenarios(scenarios, list(ids))
    except DrillError as error:
        raise click.BadParameter(str(error), param_hint="ID") from None
    mutants = catalog_mutants(catalog, chosen)
    options = DrillOptions(
        seed=seed, on_event=None if quiet else lambda line: click.echo(line, err=True)
    )
    if not quiet:
        click.echo(f"{len(mutants)} mutants of {len(chosen)} scenario(s)", err=True)
    label = str(catalog_path) if catalog_path else "embedded example"
    try:
        report = run_mutants(
            catalog,
            chosen,
            mutants,
            jobs=jobs,
            options=options,
            catalog_label=label,
            harmless=harmless,
        )
    except DrillError as error:
        raise BadInput(str(error)) from None
    except KeyboardInterrupt:
        click.echo("interrupted: sandbox stopped", err=True)
        sys.exit(130)
    render_mutation_table(report, Console())
    if harmless is not None:
        stale = harmless.stale(
            (o.id for o in report.outcomes),
            (o.id for o in report.outcomes if o.status == "survived"),
        )
        if stale:
            click.echo(
                f"note: {len(stale)} harmless row(s) of {harmless.source} name only killed "
                "mutants (remove them): " + ", ".join(f"`{p}`" for p in stale),
                err=True,
            )
    for written in write_mutation_report(report, report_path):
        click.echo(f"wrote {written}", err=True)
    sys.exit(0 if report.clean else 1)
