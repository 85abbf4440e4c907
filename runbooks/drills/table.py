"""The drill table a terminal shows (``obskit drill run``, the end of ``make demo``)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from runbooks.drills.model import DrillReport
from runbooks.drills.report import steps_ok


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.0f}"


def drill_table(report: DrillReport) -> Table:
    table = Table(title=f"Drills: {report.system} ({report.stage}), simulated seconds")
    table.add_column("drill", overflow="fold")
    for column in (
        "result",
        "detected s",
        "recovered s",
        "wf ok/started",
        "steps ok/run",
        "placeholders",
    ):
        table.add_column(column, no_wrap=True)
    for r in report.results:
        w = r.workflows
        table.add_row(
            r.id,
            "[green]PASS[/]" if r.passed else "[red]FAIL[/]",
            _fmt(r.detected_after_s),
            _fmt(r.recovered_after_s),
            f"{w.completed}/{w.started}",
            steps_ok(r),
            str(r.placeholders),
        )
    return table


def render_table(report: DrillReport, console: Console | None = None) -> None:
    """Print the table, then one line per failure reason so a FAIL says why."""
    out = console or Console()
    out.print(drill_table(report))
    for r in report.results:
        for failure in r.failures:
            out.print(f"[red]{r.id}[/]: {failure}", highlight=False)


def demo_table(
    console: Console | None = None, ids: Sequence[str] = (), jobs: int | None = None
) -> DrillReport:
    """Run the drills of the embedded example (``ids``, default all) in ``jobs`` worker
    processes (default: one per CPU, plus one), a line per drill as it ends, then print the table: the
    last thing ``make demo`` shows."""
    from catalog import load_catalog
    from runbooks.drills.parallel import default_jobs, run_drills_parallel
    from runbooks.drills.runner import DrillOptions, run_drills, select_scenarios
    from runbooks.scenarios import build_scenarios

    out = console or Console()

    def verdicts(line: str) -> None:
        if line.startswith("drill ") and (": PASS" in line or ": FAIL" in line):
            out.print(line, highlight=False)

    catalog = load_catalog()
    scenarios = select_scenarios(build_scenarios(catalog), list(ids))
    options = DrillOptions(on_event=verdicts)
    workers = jobs or default_jobs()
    if workers > 1 and len(scenarios) > 1:
        report = run_drills_parallel(catalog, scenarios, jobs=workers, options=options)
    else:
        report = run_drills(catalog, scenarios, options=options)
    render_table(report, out)
    return report
