"""``obskit generate``: the catalog's dashboards, alarms and saved queries, as files, for CI.

The heavy lifting lives in ``dashboards.output_files``; this module parses options, prints what
was written or what is stale, and chooses the exit code (0 ok, 1 stale under --check, 2 invalid).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from catalog import CatalogError, load_catalog
from dashboards.output_files import check_output, render_output, write_output
from dashboards.overrides import OverrideError
from dashboards.problems import problem_lines
from dashboards.validation.issues import MonitoringValidationError
from tools.options import catalog_option, stage_option


@click.command()
@catalog_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write template.yaml, dashboards/, alarms/, composite-alarms/, "
    "metric-filters/, queries/.",
)
@stage_option
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 listing missing, stale and extra files when --out is not current.",
)
def generate(catalog_path: Path | None, out_dir: Path, stage: str | None, check: bool) -> None:
    """Generate dashboards, alarms, composite alarms and query definitions from the catalog.

    Same catalog, same bytes. Exit codes: 0 written (or current), 1 stale (--check), 2 the
    catalog or its alarm overrides are invalid.
    """
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    try:
        catalog = load_catalog(catalog_path, stage=stage)
        generated = render_output(catalog)
    except CatalogError as exc:
        for problem in exc.problems:
            err.print(f"[red]{escape(str(problem))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    except (OverrideError, MonitoringValidationError) as exc:
        for line in problem_lines(catalog, exc):
            err.print(f"[red]{escape(line)}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    for note in generated.notes:
        err.print(f"[yellow]note: {escape(note)}[/yellow]", soft_wrap=True)
    files = generated.files
    if check:
        diff = check_output(out_dir, files)
        if diff.clean:
            out.print(f"{escape(str(out_dir))}: up to date ({len(files)} files)")
            return
        for line in diff.lines():
            err.print(escape(line), soft_wrap=True)
        err.print(
            f"[red]{escape(str(out_dir))} is out of date: run obskit generate --out "
            f"{escape(str(out_dir))}[/red]",
            soft_wrap=True,
        )
        raise SystemExit(1)
    before = write_output(out_dir, files)
    m = generated.monitoring
    changed = len(before.missing) + len(before.stale) + len(before.extra)
    out.print(
        f"{escape(str(out_dir))}: {len(m.dashboards)} dashboards, {len(m.alarms)} alarms, "
        f"{len(m.composite_alarms)} composite alarms, {len(files)} files "
        f"({changed} changed)"
    )
