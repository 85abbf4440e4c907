"""Benchmark the sandbox: workflows per second of wall time, and the wall time of a simulated hour.

Run: ``python -m bench sandbox``. One sandbox (its own moto_server) on the embedded Alchemiser
example, seed 0. Reported, from the same run:

- start-up: moto_server, the catalog's resources, and the deployed alarms and dashboards;
- N workflows started one after another (5 s apart) and in a burst (all at once), each run to
  completion: workflows per wall second (every invocation, PutEvents, queue and log write is a
  real call to moto_server, which dominates);
- a quiet simulated hour (per-minute SQS samples, metric flushes and the evaluation of every
  alarm): wall seconds, and how many simulated seconds one wall second covers.

``OBSKIT_BENCH_SANDBOX_WORKFLOWS`` sets N (default 20).
"""

from __future__ import annotations

import os
import time
from typing import Any

from sandbox import Sandbox


def run() -> dict[str, Any]:
    n = int(os.environ.get("OBSKIT_BENCH_SANDBOX_WORKFLOWS", "20"))
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    with Sandbox.start(seed=0) as box:
        started = time.perf_counter() - began
        rows.append({"phase": "sandbox up (moto_server, resources, alarms)", "wall_s": started})
        for label, spacing in (("spaced 5 s", 5.0), ("burst", 0.0)):
            sim0, wall0 = box.clock.now(), time.perf_counter()
            before = box.workflow_counts().completed
            box.run_workflows(n, spacing_s=spacing)
            wall = time.perf_counter() - wall0
            done = box.workflow_counts().completed - before
            invocations = sum(s.invocations for s in box.runner.stats.values())
            rows.append(
                {
                    "phase": f"{n} workflows, {label}",
                    "wall_s": wall,
                    "workflows_per_s": done / wall,
                    "simulated_s": box.clock.now() - sim0,
                    "invocations_so_far": invocations,
                }
            )
        sim0, wall0 = box.clock.now(), time.perf_counter()
        box.advance(3600)
        wall = time.perf_counter() - wall0
        rows.append(
            {
                "phase": "one quiet simulated hour",
                "wall_s": wall,
                "simulated_s": box.clock.now() - sim0,
                "speedup_x": 3600 / wall,
            }
        )
        states = box.alarm_states()
    return {
        "title": "sandbox on moto_server: workflows per second, simulated-hour wall time",
        "rows": rows,
        "notes": [
            f"{len(states)} alarms evaluated every period; "
            f"{sum(1 for s in states.values() if s == 'ALARM')} in ALARM at the end",
            "wall time is dominated by HTTP round trips to moto_server",
        ],
    }
