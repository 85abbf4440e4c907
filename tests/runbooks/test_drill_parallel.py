"""Drills in worker processes: same verdicts, the order asked for, no moto_server left behind."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from catalog import load_catalog
from runbooks.drills import DrillOptions, select_scenarios
from runbooks.drills.parallel import run_drills_parallel
from runbooks.drills.table import demo_table
from runbooks.scenarios import build_scenarios

pytestmark = pytest.mark.slow

IDS = ["rule-to-metrics-target-failing", "rule-to-portfolio-target-failing"]


def test_two_workers_run_two_drills_in_order() -> None:
    catalog = load_catalog()
    scenarios = select_scenarios(build_scenarios(catalog), IDS)
    lines: list[str] = []
    report = run_drills_parallel(
        catalog,
        scenarios,
        jobs=2,
        options=DrillOptions(recovery_budget_s=600, on_event=lines.append),
    )
    assert [r.id for r in report.results] == IDS
    for result in report.results:
        assert result.passed, (result.id, result.failures)
        assert result.steps and all(step.ok for step in result.steps)
    assert any("2 worker processes" in line for line in lines)


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="jobs"):
        run_drills_parallel(load_catalog(), [], jobs=0)


def test_the_demo_table_prints_each_verdict_as_it_comes_then_the_table() -> None:
    buffer = io.StringIO()
    report = demo_table(Console(file=buffer, width=200), ids=IDS, jobs=2)
    text = buffer.getvalue()
    assert report.passed
    for drill_id in IDS:
        assert f"drill {drill_id}: PASS" in text
        assert text.index(f"drill {drill_id}: PASS") < text.index("Drills: alchemiser (dev)")
    assert text.count("PASS") == 2 * len(IDS)  # a line each, and a table row each
