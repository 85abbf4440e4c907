"""The terminal view of a mutation run: score per scenario, the survivors, the overall score."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from runbooks.mutation.report import MutationReport


def render_mutation_table(report: MutationReport, console: Console) -> None:
    table = Table(title=f"Runbook mutation testing: {report.system} ({report.stage})")
    for column in ("scenario", "killed", "survived", "errors", "score"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for scenario, score in report.scores().items():
        table.add_row(
            escape(scenario),
            str(score.killed),
            str(score.survived),
            str(score.errors),
            score.percent(),
        )
    console.print(table)
    undocumented = [o for o in report.survivors() if not o.harmless]
    for outcome in undocumented:
        console.print(f"[yellow]survived[/yellow] {escape(outcome.id)}: {escape(outcome.detail)}")
    for outcome in (o for o in report.outcomes if o.status == "error"):
        console.print(f"[red]error[/red] {escape(outcome.id)}: {escape(outcome.reason)}")
    overall = report.overall()
    harmless = len(report.survivors()) - len(undocumented)
    console.print(
        f"overall mutation score {overall.percent()}: {overall.killed} killed, "
        f"{overall.survived} survived ({harmless} documented as harmless), "
        f"{overall.errors} error(s)"
    )
