"""Benchmark runbook mutation testing: wall time of the embedded example's whole mutation suite.

Run: ``python -m bench mutate``. What ``obskit drill mutate --all`` does, in process: every
mutant of every drillable scenario, each scenario's own drill once, mutants that change no step
a drill runs judged without a run, the rest as real drills in worker processes on the saved
sandbox set-up. One row per scenario (mutants, drills run, killed, survived, errors, score) and
a total row with the wall time. ``OBSKIT_BENCH_MUTATE_JOBS`` sets the workers (default: as
``obskit drill run``, the CPUs + 1); ``OBSKIT_BENCH_MUTATE`` (comma-separated ids) limits the run;
``OBSKIT_BENCH_MUTATE_REPORT`` also writes the mutation report there (JSON, .md, .html).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from catalog import load_catalog
from runbooks.drills import select_scenarios
from runbooks.drills.parallel import default_jobs
from runbooks.mutation import run_mutants
from runbooks.mutation.mutants import catalog_mutants
from runbooks.mutation.report import write_report
from runbooks.scenarios import build_scenarios


def run() -> dict[str, Any]:
    catalog = load_catalog()
    wanted = [i for i in os.environ.get("OBSKIT_BENCH_MUTATE", "").split(",") if i]
    jobs = int(os.environ.get("OBSKIT_BENCH_MUTATE_JOBS") or default_jobs())
    scenarios = select_scenarios(build_scenarios(catalog), wanted)
    mutants = catalog_mutants(catalog, scenarios)
    originals = {s.id: s for s in scenarios}
    runs = {s.id: 1 for s in scenarios}
    for mutant in mutants:
        if not mutant.equivalent_to(originals[mutant.scenario_id]):
            runs[mutant.scenario_id] += 1
    began = time.perf_counter()
    report = run_mutants(catalog, scenarios, mutants, jobs=jobs)
    total = time.perf_counter() - began
    where = os.environ.get("OBSKIT_BENCH_MUTATE_REPORT")
    if where:
        write_report(report, Path(where))
    rows: list[dict[str, Any]] = []
    for scenario, score in report.scores().items():
        rows.append(
            _row(
                scenario,
                sum(1 for m in mutants if m.scenario_id == scenario),
                runs[scenario],
                score,
            )
        )
    overall = report.overall()
    rows.append(_row(f"all {len(scenarios)} scenarios", len(mutants), sum(runs.values()), overall))
    drills = sum(runs.values())
    return {
        "title": "Runbook mutation suite of the embedded example (wall seconds)",
        "rows": rows,
        "notes": [
            f"{len(mutants)} mutants, {drills} drills run ({len(scenarios)} unmutated), "
            f"{jobs} worker process(es): {total:.1f} s wall, {total / max(1, drills):.2f} s "
            "per drill",
            f"overall mutation score {overall.percent()} ({overall.killed} killed, "
            f"{overall.survived} survived, {overall.errors} errors)",
        ],
        "wall_s": round(total, 3),
    }


def _row(name: str, mutants: int, drills: int, score: Any) -> dict[str, Any]:
    return {
        "scenario": name,
        "mutants": mutants,
        "drills run": drills,
        "killed": score.killed,
        "survived": score.survived,
        "errors": score.errors,
        "score": score.percent(),
    }
