"""``obskit ready``: is the system ready for production? The seed document's three checklists.

Each item is PASS, FAIL or MANUAL with its evidence (see :mod:`tools.readiness`). This module
parses options, prints the table, writes the report and picks the exit code: 0 every automatable
item passed (MANUAL items listed for a person), 1 an item failed, 2 bad input or AWS unreachable.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from catalog import CatalogError, load_catalog
from runbooks.scenarios import CatalogArgs
from tools.options import catalog_option, endpoint_url_option, profile_option, stage_option
from tools.readiness import AwsTarget, Inputs, ReadinessInputError, run_readiness
from tools.readiness.render import to_table, write_report

EXIT_READY, EXIT_NOT_READY, EXIT_BAD_INPUT = 0, 1, 2

_file = click.Path(dir_okay=False, path_type=Path)


def _fail(message: str) -> SystemExit:
    Console(stderr=True, highlight=False).print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return SystemExit(EXIT_BAD_INPUT)


@click.command()
@catalog_option
@stage_option
@click.option(
    "--generated",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder `obskit generate --out` wrote (and `obskit runbook --out`: RUNBOOK.md).",
)
@click.option("--logs", multiple=True, type=_file, help="Log file of a run (repeatable).")
@click.option("--drill-report", type=_file, default=None, help="JSON of `obskit drill run --all`.")
@click.option(
    "--mutation-report",
    type=_file,
    default=None,
    help="JSON of `obskit drill mutate --all --report FILE`.",
)
@click.option(
    "--baseline", "baseline_path", type=_file, default=None, help="`obskit baseline` file."
)
@click.option("--runbook", type=_file, default=None, help="RUNBOOK.md (default: in --generated).")
@click.option("--aws", "use_aws", is_flag=True, help="Also check the deployed account.")
@endpoint_url_option
@profile_option
@click.option(
    "--report",
    "report_path",
    type=_file,
    default=None,
    help="Write FILE.md and FILE.json (a .md/.json suffix is replaced).",
)
def ready(
    catalog_path: Path | None,
    stage: str | None,
    generated: Path | None,
    logs: tuple[Path, ...],
    drill_report: Path | None,
    mutation_report: Path | None,
    baseline_path: Path | None,
    runbook: Path | None,
    use_aws: bool,
    endpoint_url: str | None,
    profile: str | None,
    report_path: Path | None,
) -> None:
    """Check the observability, operational-readiness and performance checklists.

    Every item is PASS, FAIL (with what to run to fix or evidence it) or MANUAL (what a person
    must confirm). Exit codes: 0 ready, 1 an automatable item failed, 2 bad input.
    """
    try:
        catalog = load_catalog(catalog_path, stage=stage)
    except CatalogError as exc:
        raise _fail(f"cannot load the catalog {catalog_path or '(embedded)'}: {exc}") from None
    aws = None
    if use_aws or endpoint_url:
        aws = AwsTarget(endpoint_url=endpoint_url, profile=profile, region=catalog.region)
    from tools.readiness.deployed import AWS_ERRORS

    try:
        inputs = Inputs(
            catalog=catalog,
            catalog_args=CatalogArgs(
                catalog=str(catalog_path) if catalog_path else None, stage=stage
            ),
            generated=generated,
            logs=logs,
            drill_report=drill_report,
            mutation_report=mutation_report,
            baseline=baseline_path,
            runbook=runbook,
            aws=aws,
        )
        report = run_readiness(inputs)
    except ReadinessInputError as exc:
        raise _fail(str(exc)) from None
    except AWS_ERRORS as exc:
        raise _fail(f"cannot check the deployed account: {exc}") from None
    console = Console(highlight=False, width=max(Console().width, 140))
    console.print(to_table(report))
    for item in report.manual:
        console.print(f"[yellow]MANUAL[/yellow] {escape(item.title)}: {escape(item.action or '')}")
    if report_path is not None:
        md, js = write_report(report, report_path)
        console.print(f"report: {escape(str(md))}, {escape(str(js))}")
    counts = report.counts()
    console.print(
        f"{'READY' if report.ready else 'NOT READY'}: {counts['PASS']} passed, "
        f"{counts['FAIL']} failed, {counts['MANUAL']} manual"
    )
    raise SystemExit(EXIT_READY if report.ready else EXIT_NOT_READY)
