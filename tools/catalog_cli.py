"""``obskit catalog``: check a catalog file, or print the JSON Schema editors validate it with."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from catalog import Catalog, CatalogError, Problem, default_catalog_path, load_catalog, validate
from catalog.handlers import check_handlers
from catalog.schema import catalog_json_schema
from tools.options import catalog_option, stage_option


@click.group()
def catalog() -> None:
    """Check the system catalog, or print its JSON Schema.

    The catalog is one YAML file describing services, event types, buses and rules, queues,
    topics, schedules and workflows; queries, dashboards, alarms, drills and the trace are all
    generated from it. Names may use {system} and {stage}.

    \b
    Examples:
      obskit catalog check
      obskit catalog check --catalog examples/orders/catalog.yaml --stage prod
      obskit catalog check --handlers
      obskit catalog schema > catalog.schema.json
    """


def _print_problems(console: Console, problems: list[Problem]) -> None:
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{escape(str(problem))}[/{style}]", soft_wrap=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _summary(cat: Catalog, warnings: int) -> str:
    rules = sum(len(b.rules) for b in cat.buses)
    return (
        f"{cat.source_file}: OK ({cat.system}, stage {cat.stage}): {len(cat.services)} services, "
        f"{len(cat.event_types)} event types, {len(cat.buses)} buses, {rules} rules, "
        f"{len(cat.queues)} queues, {len(cat.topics)} topics, {len(cat.schedules)} schedules, "
        f"{len(cat.workflows)} workflows, {_count(warnings, 'warning')}"
    )


@catalog.command()
@catalog_option
@stage_option
@click.option(
    "--handlers",
    is_flag=True,
    help="Also import every service's handler from the catalog's folder (runs their module code).",
)
def check(catalog_path: Path | None, stage: str | None, handlers: bool) -> None:
    """Load and cross-check a catalog; print every problem as FILE:LINE: PATH: MESSAGE.

    Exits 1 when there is at least one error, 0 otherwise (warnings are printed but pass).
    """
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    try:
        loaded = load_catalog(catalog_path, stage=stage)
    except CatalogError as exc:
        _print_problems(err, exc.problems)
        errors = len(exc.errors)
        warnings = len(exc.problems) - errors
        path = catalog_path or default_catalog_path()
        err.print(
            f"{escape(str(path))}: {_count(errors, 'error')}, {_count(warnings, 'warning')}",
            soft_wrap=True,
        )
        raise SystemExit(1) from None
    warnings_found = validate(loaded)
    if handlers:
        broken = check_handlers(loaded)
        if broken:
            _print_problems(err, [*warnings_found, *broken])
            err.print(
                f"{escape(loaded.source_file)}: {_count(len(broken), 'error')}, "
                f"{_count(len(warnings_found), 'warning')}",
                soft_wrap=True,
            )
            raise SystemExit(1)
    _print_problems(out, warnings_found)
    out.print(escape(_summary(loaded, len(warnings_found))), soft_wrap=True)


@catalog.command()
def schema() -> None:
    """Print the catalog's JSON Schema (for editor completion and validation); deterministic."""
    click.echo(catalog_json_schema(), nl=False)
