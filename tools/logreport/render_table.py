"""The default rendering: rich tables for a terminal (volume, call sites, cost, advice).

Text from the logs goes into ``Text`` cells, never as markup: a message such as
``[workflow-...] rejected`` would otherwise be read as a rich style tag and vanish.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tools.logreport.report import Report
from tools.logreport.units import human_bytes, percent, usd

TABLE_CALL_SITES = 15
_SEVERITY_STYLE = {"error": "bold red", "warn": "yellow", "info": "cyan"}


def _summary(report: Report) -> Table:
    totals = report["totals"]
    corr = report["correlation"]
    repeats = report["repeats"]
    table = Table(title="Log volume", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("lines", f"{totals['lines']:,}")
    table.add_row("bytes", human_bytes(totals["bytes"]))
    table.add_row("bytes per line", f"{totals['bytes_per_line']:,.1f}")
    table.add_row("workflows (distinct correlation ids)", f"{totals['workflows']:,}")
    table.add_row("bytes per workflow", human_bytes(totals["bytes_per_workflow"]))
    table.add_row("lines without a correlation_id field", percent(corr["share_without_field"]))
    table.add_row("lines with no correlation id at all", percent(corr["share_without_any"]))
    table.add_row("repeated identical lines", percent(repeats["share_lines"]))
    table.add_row("gzip size / raw size", percent(totals["gzip_fraction"]))
    budget = report["budget"]
    if budget["log_bytes_per_workflow"] is not None:
        verdict = "OVER" if budget["over"] else "under"
        table.add_row(
            "budget per workflow",
            f"{human_bytes(budget['log_bytes_per_workflow'])} ({verdict}, {budget['ratio']:.1f}x)",
        )
    return table


def _by_service(report: Report) -> Table:
    levels = [row["level"] for row in report["by_level"]]
    table = Table(title="By service and level (lines)", title_justify="left")
    table.add_column("service", no_wrap=True)
    for level in levels:
        table.add_column(level, justify="right")
    table.add_column("bytes", justify="right")
    table.add_column("share", justify="right")
    cells: dict[tuple[str, str], int] = {
        (row["service"], row["level"]): row["lines"] for row in report["by_service_level"]
    }
    for row in report["by_service"]:
        counts = [f"{cells.get((row['service'], lvl), 0):,}" for lvl in levels]
        table.add_row(
            Text(row["service"]), *counts, human_bytes(row["bytes"]), percent(row["share_lines"])
        )
    totals = [f"{row['lines']:,} ({percent(row['share_lines'])})" for row in report["by_level"]]
    table.add_row(Text("all", style="bold"), *totals, human_bytes(report["totals"]["bytes"]), "")
    return table


def _call_sites(report: Report) -> Table:
    table = Table(title=f"Top {TABLE_CALL_SITES} call sites by bytes", title_justify="left")
    for name, justify in (
        ("service", "left"),
        ("level", "left"),
        ("template", "left"),
        ("lines", "right"),
        ("bytes", "right"),
        ("share", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in report["call_sites"][:TABLE_CALL_SITES]:
        table.add_row(
            Text(row["service"]),
            Text(row["level"]),
            Text(row["template"][:70]),
            f"{row['lines']:,}",
            human_bytes(row["bytes"]),
            percent(row["share_bytes"]),
        )
    return table


def _cost(report: Report) -> Table:
    cost = report["cost"]
    assumptions = cost["assumptions"]
    title = (
        f"Cost at {assumptions['workflows_per_day']:g} workflow(s)/day, "
        f"{assumptions['retention_days']} days retention, stored {assumptions['stored_fraction']:.0%}"
        " after compression"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for name in ("ingest", "storage", "scan", "total"):
        table.add_column(name, justify="right")
    for label, key in (
        ("per workflow", "per_workflow"),
        ("per day", "per_day"),
        ("per month", "per_month"),
    ):
        values: dict[str, Any] = cost[key]
        table.add_row(label, *(usd(values[k]) for k in ("ingest", "storage", "scan", "total")))
    return table


def _advice(report: Report) -> Table:
    table = Table(title="Advice", title_justify="left", show_lines=False)
    table.add_column("", no_wrap=True)
    table.add_column("advice")
    table.add_column("saves / workflow", justify="right")
    table.add_column("$ / month", justify="right")
    for item in report["advice"]:
        saving = item["saving_bytes_per_workflow"]
        table.add_row(
            Text(item["severity"].upper(), style=_SEVERITY_STYLE.get(item["severity"], "")),
            Text(item["text"]),
            human_bytes(saving) if saving else "",
            usd(item["saving_usd_per_month"]) if saving else "",
        )
    return table


def render_table(report: Report, console: Console) -> None:
    """Print the report to ``console``."""
    console.print(
        Group(
            _summary(report),
            _by_service(report),
            _call_sites(report),
            _cost(report),
            _advice(report),
        )
    )
