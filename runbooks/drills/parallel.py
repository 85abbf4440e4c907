"""Run drills in N worker processes, each with its own moto_server.

The sandbox is process-wide (the handlers, the logger's clock and its ID source), so drills can
only run side by side in separate processes. Workers are spawned (so no state leaks in from the
parent) and take the next drill from a shared queue as soon as they finish one, so a drill that
runs long does not hold back the drills dealt after it; the queue holds the likely longest drills
first (:func:`longest_first`), so no worker is left running a long one alone at the end. Each worker runs one drill at a time with :func:`run_drill` on its own
moto_server, restored to the set-up system between drills
(:class:`~runbooks.drills.runner.FreshSandboxes`), and sends each result back as it ends; the
report keeps the order the drills were asked for.

Teardown: a worker's ``run_drill`` stops its sandbox on Ctrl-C (the terminal sends SIGINT to
every process of the group) and on SIGTERM, which the parent sends to every worker still running
when it is interrupted itself; either way the worker then stops its moto_server.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue as queue_module
import time
from collections.abc import Sequence
from contextlib import suppress
from multiprocessing.process import BaseProcess
from typing import Any

from catalog.models import Catalog
from runbooks.drills.model import DrillReport, DrillResult
from runbooks.drills.runner import (
    DrillOptions,
    FreshSandboxes,
    _say,
    _sigterm_as_interrupt,
    check_drillable,
    run_drill,
)
from runbooks.scenarios.model import Scenario
from sandbox.moto_server import MotoServer

JOIN_TIMEOUT_S = 30.0


def default_jobs() -> int:
    """One worker per CPU, plus one.

    A worker waits on its moto_server for every request and on every runbook command it starts,
    so with one worker per core a core sits idle part of the time; one more worker fills it.
    Measured on 2 cores, all 39 drills of the embedded example: 116 s with 2 workers, 103 s
    with 3, 108 s with 4.
    """
    return (os.cpu_count() or 1) + 1


def _worker(catalog: Catalog, tasks: Any, options: DrillOptions, out: Any) -> None:
    """Run drills from ``tasks`` until its ``None``; one ``result`` message per drill."""
    try:
        with _sigterm_as_interrupt(), MotoServer() as server:
            sandboxes = FreshSandboxes(catalog, server, seed=options.seed)
            while (task := tasks.get()) is not None:
                out.put(("result", run_drill(task, sandboxes, options)))
        out.put(("done", os.getpid()))
    except KeyboardInterrupt:
        out.put(("interrupted", os.getpid()))
    except Exception as error:  # reported to the parent, which raises it
        out.put(("error", (os.getpid(), f"{type(error).__name__}: {error}")))


DAY_S = 86400


def longest_first(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The drills most likely to run longest first, so the last ones to start are short and the
    workers finish together (a long drill dealt last keeps one worker busy alone).

    The estimate needs no run: a ``slow`` fault means minutes of simulated invocations, each
    runbook command is a process of its own, and a longer detection budget means more simulated
    time; a budget over a day (a scheduled job's missed-run drill simulates a day or more, a
    minute at a time) outweighs everything. Ties keep the order asked for.
    """

    def weight(scenario: Scenario) -> tuple[bool, bool, int, int]:
        drill = scenario.drill
        if drill is None:
            return (False, False, 0, 0)
        day_long = drill.detection_budget_s > DAY_S
        slow = drill.fault.target == "service" and drill.fault.kind.startswith("slow")
        commands = sum(1 for step in scenario.mitigation if step.command)
        return (day_long, slow, commands, drill.detection_budget_s)

    return sorted(scenarios, key=weight, reverse=True)


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
    check_drillable(catalog, scenarios)
    count = min(jobs, len(scenarios))
    context = multiprocessing.get_context("spawn")
    tasks = context.Queue()
    for scenario in longest_first(scenarios):
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
    ended: set[int] = set()
    """Workers that sent their last message: they exit by themselves and are never signalled
    (a worker killed by SIGTERM while it sends could leave the queue's write lock held)."""
    with _sigterm_as_interrupt():
        try:
            for worker in workers:
                worker.start()
            _say(opts, f"running {len(scenarios)} drills in {len(workers)} worker processes")
            running = len(workers)
            while running:
                status, payload = _receive(out, workers)
                if status == "interrupted":
                    ended.add(payload)
                    raise KeyboardInterrupt("a drill worker was interrupted")
                if status == "error":
                    ended.add(payload[0])
                    raise RuntimeError(f"a drill worker failed: {payload[1]}")
                if status == "done":
                    ended.add(payload)
                    running -= 1
                    continue
                result: DrillResult = payload
                results[result.id] = result
                verdict = "PASS" if result.passed else "FAIL: " + "; ".join(result.failures)
                _say(opts, f"drill {result.id}: {verdict} ({result.wall_s:.1f} s wall)")
        finally:
            _wind_down(workers, out, ended)
            # Drills no worker took are still in the queue's pipe after a failure; without
            # this, this process would wait at exit, forever, to hand them to a reader.
            tasks.cancel_join_thread()
    report = DrillReport(catalog_label, catalog.system, catalog.stage)
    report.results = [results[s.id] for s in scenarios]
    return report


def _wind_down(workers: list[BaseProcess], out: Any, ended: set[int]) -> None:
    """Stop the workers still running (SIGTERM: each unwinds and stops its sandbox and server;
    not those in ``ended``, which are on their way out) and wait for them, reading and dropping
    what they still send: a worker cannot exit while its last message waits in a full pipe.
    One that has not ended after ``JOIN_TIMEOUT_S`` is killed, so a failed run never hangs."""
    for worker in workers:
        if worker.is_alive() and worker.pid not in ended:
            worker.terminate()
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        with suppress(queue_module.Empty):
            out.get(timeout=0.1)
    for worker in workers:
        if worker.is_alive():
            worker.kill()
        worker.join(JOIN_TIMEOUT_S)


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
