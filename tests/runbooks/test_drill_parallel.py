"""Drills in worker processes: same verdicts, the order asked for, no moto_server left behind."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

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


_BROKEN_RUN = """
import sys
from catalog import load_catalog
from runbooks.drills import select_scenarios
from runbooks.drills import parallel
from runbooks.drills.parallel import run_drills_parallel
from runbooks.scenarios import build_scenarios

if __name__ == "__main__":
    catalog = load_catalog()
    services = [
        s.model_copy(update={"handler": "no_such_module:handler"}) if s.name == "portfolio" else s
        for s in catalog.services
    ]
    broken = catalog.model_copy(update={"services": services})
    # The up-front check (check_drillable) would refuse this catalog before any worker starts;
    # skip it here, so the worker's own failure is what ends the run.
    parallel.check_drillable = lambda catalog, scenarios: None
    try:
        run_drills_parallel(broken, select_scenarios(build_scenarios(broken), []), jobs=2)
    except RuntimeError as error:
        print("raised:", error)
"""


def test_a_failing_worker_ends_the_run_and_the_process_exits(tmp_path: Path) -> None:
    """Every drill is queued, a worker fails at once: the error names the cause, the other
    worker is stopped, and the process exits (it used to wait forever at exit, for the queued
    drills no worker would read and for a worker blocked on its last message)."""
    script = tmp_path / "broken_run.py"
    script.write_text(_BROKEN_RUN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "raised: a drill worker failed" in done.stdout
    assert "no_such_module" in done.stdout
