"""Run mutants' drills: each a real drill, on the saved sandbox set-up, in parallel.

Every mutant runs with :func:`~runbooks.drills.runner.run_drill`, exactly as ``obskit drill run``
runs the scenario's own drill: worker processes (each with its own moto_server, restored to the
saved set-up before each drill, :class:`~runbooks.drills.runner.FreshSandboxes`) take the next
drill from a shared queue, likely longest first. Each scenario's unmutated drill runs too: a
mutant of a scenario whose drill already fails proves nothing (``error``), and a mutant that
changes no step the drill runs (:meth:`Mutant.equivalent_to`) gets the unmutated verdict
without a run of its own. An exception in the harness is an ``error``, never a kill.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from catalog.models import Catalog
from runbooks.drills.parallel import _receive, _wind_down, longest_first
from runbooks.drills.runner import (
    DrillOptions,
    FreshSandboxes,
    _say,
    _sigterm_as_interrupt,
    check_drillable,
    run_drill,
)
from runbooks.mutation.harmless import Harmless
from runbooks.mutation.mutants import Mutant
from runbooks.mutation.report import MutationReport, Outcome
from runbooks.scenarios.model import Scenario
from sandbox.moto_server import MotoServer

ORIGINAL = "(unmutated)"
"""The task key suffix of a scenario's own drill."""


@dataclass(frozen=True)
class Task:
    key: str
    scenario: Scenario


@dataclass(frozen=True)
class Verdict:
    """One drill's end: passed (True / False) or the harness failed (None)."""

    key: str
    passed: bool | None
    failures: tuple[str, ...]
    wall_s: float = 0.0


def _judge(task: Task, sandboxes: FreshSandboxes, options: DrillOptions) -> Verdict:
    try:
        result = run_drill(task.scenario, sandboxes, options)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # the harness, not the runbook: neither killed nor survived
        return Verdict(task.key, None, (f"{type(error).__name__}: {error}",))
    return Verdict(task.key, result.passed, tuple(result.failures), result.wall_s)


def _worker(catalog: Catalog, tasks: Any, options: DrillOptions, out: Any) -> None:
    """Judge tasks from ``tasks`` until its ``None``; one ``result`` message per task."""
    try:
        with _sigterm_as_interrupt(), MotoServer() as server:
            sandboxes = FreshSandboxes(catalog, server, seed=options.seed)
            while (task := tasks.get()) is not None:
                out.put(("result", _judge(task, sandboxes, options)))
        out.put(("done", os.getpid()))
    except KeyboardInterrupt:
        out.put(("interrupted", os.getpid()))
    except Exception as error:  # reported to the parent, which raises it
        out.put(("error", (os.getpid(), f"{type(error).__name__}: {error}")))


def _in_process(catalog: Catalog, tasks: list[Task], options: DrillOptions) -> list[Verdict]:
    out: list[Verdict] = []
    with _sigterm_as_interrupt(), MotoServer() as server:
        sandboxes = FreshSandboxes(catalog, server, seed=options.seed)
        for task in tasks:
            verdict = _judge(task, sandboxes, options)
            _tell(options, verdict)
            out.append(verdict)
    return out


def _parallel(
    catalog: Catalog, tasks: list[Task], options: DrillOptions, jobs: int
) -> list[Verdict]:
    """As :func:`runbooks.drills.parallel.run_drills_parallel`, for tasks keyed by mutant."""
    by_scenario = {id(t.scenario): t for t in tasks}
    ordered = [by_scenario[id(s)] for s in longest_first([t.scenario for t in tasks])]
    context = multiprocessing.get_context("spawn")
    queue, out = context.Queue(), context.Queue()
    count = min(jobs, len(tasks))
    for task in ordered:
        queue.put(task)
    for _ in range(count):
        queue.put(None)
    quiet = dataclasses.replace(options, on_event=None)  # a closure cannot cross processes
    workers: list[BaseProcess] = [
        context.Process(target=_worker, args=(catalog, queue, quiet, out), daemon=False)
        for _ in range(count)
    ]
    verdicts: list[Verdict] = []
    ended: set[int] = set()
    with _sigterm_as_interrupt():
        try:
            for worker in workers:
                worker.start()
            _say(options, f"running {len(tasks)} drills in {len(workers)} worker processes")
            running = len(workers)
            while running:
                status, payload = _receive(out, workers)
                if status == "interrupted":
                    ended.add(payload)
                    raise KeyboardInterrupt("a mutation worker was interrupted")
                if status == "error":
                    ended.add(payload[0])
                    raise RuntimeError(f"a mutation worker failed: {payload[1]}")
                if status == "done":
                    ended.add(payload)
                    running -= 1
                    continue
                _tell(options, payload)
                verdicts.append(payload)
        finally:
            _wind_down(workers, out, ended)
            queue.cancel_join_thread()
    return verdicts


def _tell(options: DrillOptions, verdict: Verdict) -> None:
    if verdict.passed is None:
        what = "error: " + "; ".join(verdict.failures)
    else:
        what = "drill passed" if verdict.passed else "drill failed: " + "; ".join(verdict.failures)
    _say(options, f"{verdict.key}: {what} ({verdict.wall_s:.1f} s wall)")


def run_mutants(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    mutants: Sequence[Mutant],
    *,
    jobs: int = 1,
    options: DrillOptions | None = None,
    catalog_label: str = "embedded example",
    harmless: Harmless | None = None,
) -> MutationReport:
    """Judge every mutant of ``scenarios`` (each scenario's own drill runs once as well)."""
    # A mutant is killed by its first failure: failures only accumulate, so the rest of its drill
    # cannot change the verdict (the report gives that first reason).
    opts = dataclasses.replace(options or DrillOptions(), stop_at_first_failure=True)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    check_drillable(catalog, scenarios)
    originals = {s.id: s for s in scenarios}
    tasks = [Task(f"{s.id}/{ORIGINAL}", s) for s in scenarios]
    tasks += [m_task for m in mutants if (m_task := _task(m, originals)) is not None]
    if jobs == 1 or len(tasks) == 1:
        verdicts = _in_process(catalog, tasks, opts)
    else:
        verdicts = _parallel(catalog, tasks, opts, jobs)
    by_key = {v.key: v for v in verdicts}
    report = MutationReport(catalog_label, catalog.system, catalog.stage)
    for mutant in mutants:
        original = by_key[f"{mutant.scenario_id}/{ORIGINAL}"]
        outcome = _outcome(mutant, by_key.get(mutant.id), original)
        if outcome.status == "survived" and harmless is not None:
            outcome = dataclasses.replace(outcome, harmless=harmless.reason(mutant.id))
        report.outcomes.append(outcome)
    return report


def _task(mutant: Mutant, originals: dict[str, Scenario]) -> Task | None:
    original = originals.get(mutant.scenario_id)
    if original is None:
        raise ValueError(f"mutant {mutant.id}: its scenario is not among those run")
    return None if mutant.equivalent_to(original) else Task(mutant.id, mutant.scenario)


def _outcome(mutant: Mutant, own: Verdict | None, original: Verdict) -> Outcome:
    def made(status: Any, reason: str) -> Outcome:
        return Outcome(
            mutant.id,
            mutant.scenario_id,
            mutant.part,
            mutant.step,
            mutant.mutation,
            mutant.detail,
            status,
            reason,
        )

    if original.passed is None:
        return made("error", "the unmutated drill could not run: " + "; ".join(original.failures))
    if not original.passed:
        return made(
            "error",
            "the unmutated drill fails, so no mutant can be judged: "
            + "; ".join(original.failures),
        )
    if own is None:
        return made(
            "survived", "the drill does not run the changed step (same verdict as unmutated)"
        )
    if own.passed is None:
        return made("error", "; ".join(own.failures))
    if own.passed:
        return made("survived", "the drill still passes")
    return made("killed", "; ".join(own.failures))
