"""Benchmark the drills: wall seconds per drill of the embedded example, and all of them in total.

Run: ``python -m bench drills``. One run of ``obskit drill run --all`` in process (one moto_server,
reset between drills; runbook commands are real subprocesses), seed 0. Each row is one drill:
its wall time, whether it passed, and the simulated seconds it covered. The target (issue 7) is
every drill in under 2 minutes of wall time on the development machine; the notes say whether
this run met it. ``OBSKIT_BENCH_DRILLS`` (comma-separated ids) limits the run to some drills;
``OBSKIT_BENCH_DRILL_JOBS`` sets the worker processes (default: as ``obskit drill run``, the
machine's CPUs + 1).
"""

from __future__ import annotations

import os
import time
from typing import Any

from catalog import load_catalog
from runbooks.drills import run_drills, select_scenarios
from runbooks.drills.parallel import default_jobs, run_drills_parallel
from runbooks.scenarios import build_scenarios

TARGET_S = 120.0


def run() -> dict[str, Any]:
    catalog = load_catalog()
    wanted = [i for i in os.environ.get("OBSKIT_BENCH_DRILLS", "").split(",") if i]
    jobs = int(os.environ.get("OBSKIT_BENCH_DRILL_JOBS") or default_jobs())
    scenarios = select_scenarios(build_scenarios(catalog), wanted)
    load_before = _load_average()
    began = time.perf_counter()
    report = (
        run_drills_parallel(catalog, scenarios, jobs=jobs)
        if jobs > 1
        else run_drills(catalog, scenarios)
    )
    total = time.perf_counter() - began
    rows: list[dict[str, Any]] = [
        {
            "drill": r.id,
            "passed": r.passed,
            "wall_s": r.wall_s,
            "steps": len(r.steps),
            "detected_after_s": r.detected_after_s if r.detected_after_s is not None else "-",
            "recovered_after_s": r.recovered_after_s if r.recovered_after_s is not None else "-",
        }
        for r in report.results
    ]
    rows.append(
        {
            "drill": f"all {len(rows)} drills",
            "passed": report.passed,
            "wall_s": total,
            "steps": sum(len(r.steps) for r in report.results),
            "detected_after_s": "-",
            "recovered_after_s": "-",
        }
    )
    verdict = "met" if total < TARGET_S else "missed"
    return {
        "title": "Drills of the embedded example (wall seconds; times after faults are simulated)",
        "rows": rows,
        "notes": [
            f"target: all drills in under {TARGET_S:g} s wall: {verdict} ({total:.1f} s)",
            f"{sum(r.passed for r in report.results)}/{len(report.results)} drills passed",
            f"{jobs} worker process(es); a drill's wall time includes waiting for the CPU",
            f"load average (1 min) before {load_before}, after {_load_average()}: the machine "
            "is shared, compare runs made at similar load",
        ],
    }


def _load_average() -> str:
    """The 1-minute load average, or ``-`` where the platform has none."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (OSError, AttributeError):  # no load average on this platform
        return "-"
