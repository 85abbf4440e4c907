"""Run drills in N worker processes, each with its own moto_server.

The sandbox is process-wide (the handlers, the logger's clock and its ID source), so drills can
only run side by side in separate processes. Workers are spawned (so no state leaks in from the
parent) and take the next drill from a shared queue as soon as they finish one, so a drill that
runs for minutes of wall time does not hold back the drills dealt after it (drills take from
seconds to minutes). Each worker runs one drill at a time with :func:`run_drills` on its own
moto_server, reset between drills, and sends each result back as it ends; the report keeps the
order the drills were asked for.

Teardown: a worker's own ``run_drills`` stops its sandbox on Ctrl-C (the terminal sends SIGINT to
every process of the group) and on SIGTERM, which the parent sends to every worker still running
when it is interrupted itself; either way the worker then stops its moto_server.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue as queue_module
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import Any

from catalog.models import Catalog
from runbooks.drills.model import DrillReport, DrillResult
from runbooks.drills.runner import DrillOptions, _say, _sigterm_as_interrupt, run_drills
from runbooks.moto_server import MotoServer
from runbooks.scenarios.model import Scenario

JOIN_TIMEOUT_S = 30.0


def _worker(catalog: Catalog, tasks: Any, options: DrillOptions, out: Any) -> None:
    """Run drills from ``tasks`` until its ``None``; one ``result`` message per drill."""
    try:
        with _sigterm_as_interrupt(), MotoServer() as server:
            fresh = True
            while (task := tasks.get()) is not None:
                if not fresh:
                    server.reset()
                fresh = False
                report = run_drills(
                    catalog, [task], options=options, endpoint_url=server.endpoint_url
                )
                out.put(("result", report.results[0]))
        out.put(("done", None))
    except KeyboardInterrupt:
        out.put(("interrupted", None))
    except Exception as error:  # reported to the parent, which raises it
        out.put(("error", f"{type(error).__name__}: {error}"))


def run_drills_parallel(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    *,
    jobs: int,
    options: DrillOptions | None = None,
    catalog_label: str = "embedded example",
) -> DrillReport:
    opts = options or DrillOptions()
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    count = min(jobs, len(scenarios))
    context = multiprocessing.get_context("spawn")
    tasks = context.Queue()
    for scenario in scenarios:
        tasks.put(scenario)
    for _ in range(count):
        tasks.put(None)  # one stop sign per worker
    out = context.Queue()
    quiet = dataclasses.replace(opts, on_event=None)  # a closure cannot cross processes
    workers: list[BaseProcess] = [
        context.Process(target=_worker, args=(catalog, tasks, quiet, out), daemon=False)
        for _ in range(count)
    ]
    results: dict[str, DrillResult] = {}
    with _sigterm_as_interrupt():
        try:
            for worker in workers:
                worker.start()
            _say(opts, f"running {len(scenarios)} drills in {len(workers)} worker processes")
            running = len(workers)
            while running:
                status, payload = _receive(out, workers)
                if status == "interrupted":
                    raise KeyboardInterrupt("a drill worker was interrupted")
                if status == "error":
                    raise RuntimeError(f"a drill worker failed: {payload}")
                if status == "done":
                    running -= 1
                    continue
                result: DrillResult = payload
                results[result.id] = result
                verdict = "PASS" if result.passed else "FAIL: " + "; ".join(result.failures)
                _say(opts, f"drill {result.id}: {verdict} ({result.wall_s:.1f} s wall)")
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()  # SIGTERM: the worker unwinds and stops its sandbox
            for worker in workers:
                worker.join(JOIN_TIMEOUT_S)
    report = DrillReport(catalog_label, catalog.system, catalog.stage)
    report.results = [results[s.id] for s in scenarios]
    return report


def _receive(out: Any, workers: list[BaseProcess]) -> tuple[str, Any]:
    """The next worker's message; a worker that died without one is an error, not a hang."""
    while True:
        try:
            message: tuple[str, Any] = out.get(timeout=1.0)
            return message
        except queue_module.Empty:
            if all(not w.is_alive() for w in workers):
                try:
                    message = out.get(timeout=5.0)
                    return message
                except queue_module.Empty:
                    codes = [w.exitcode for w in workers]
                    raise RuntimeError(f"drill workers exited without a result: {codes}") from None
