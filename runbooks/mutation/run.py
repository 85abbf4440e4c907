"""Run mutants' drills: each a real drill, on the saved sandbox set-up, in parallel.

Every mutant's drill is the drill ``obskit drill run`` runs: worker processes (each with its own
moto_server, restored to the saved set-up before each drill,
:class:`~runbooks.drills.runner.FreshSandboxes`) take the next group of one scenario's mutants
from a shared queue, likely longest first, and judge the group from one run of the drill up to
detection (:func:`~runbooks.drills.variants.run_variants`: each mutant continues in a forked copy,
which gives what a fresh drill of it gives). Each scenario's unmutated drill runs too: a
mutant of a scenario whose drill already fails proves nothing (``error``), and a mutant that
changes no step the drill runs (:meth:`Mutant.equivalent_to`) gets the unmutated verdict
without a run of its own. An exception in the harness is an ``error``, never a kill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog
from runbooks.drills.parallel import longest_first
from runbooks.drills.runner import (
    DrillOptions,
    FreshSandboxes,
    _say,
    _sigterm_as_interrupt,
    check_drillable,
)
from runbooks.drills.variants import run_variants
from runbooks.drills.workers import run_in_workers
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


GROUP_SIZE = 12
"""Mutants of one scenario judged from one run of its drill up to detection
(:func:`~runbooks.drills.variants.run_variants`); more make groups too long to share out."""


@dataclass(frozen=True)
class Group:
    """Tasks of one scenario, judged from one drill's detection."""

    tasks: tuple[Task, ...]


def _groups(tasks: Sequence[Task]) -> list[Group]:
    """Each scenario's tasks (its unmutated drill first) in groups of :data:`GROUP_SIZE`."""
    by_scenario: dict[str, list[Task]] = {}
    for task in tasks:
        assert task.scenario.id is not None
        by_scenario.setdefault(task.scenario.id, []).append(task)
    return [
        Group(tuple(same[i : i + GROUP_SIZE]))
        for same in by_scenario.values()
        for i in range(0, len(same), GROUP_SIZE)
    ]


def _judge(group: Group, sandboxes: FreshSandboxes, options: DrillOptions) -> list[Verdict]:
    outcomes = run_variants([t.scenario for t in group.tasks], sandboxes, options)
    verdicts: list[Verdict] = []
    for task, outcome in zip(group.tasks, outcomes, strict=True):
        if isinstance(outcome, Exception):  # the harness, not the runbook: neither side
            verdicts.append(Verdict(task.key, None, (f"{type(outcome).__name__}: {outcome}",)))
        else:
            verdicts.append(
                Verdict(task.key, outcome.passed, tuple(outcome.failures), outcome.wall_s)
            )
    return verdicts


def _in_process(catalog: Catalog, tasks: list[Task], options: DrillOptions) -> list[Verdict]:
    out: list[Verdict] = []
    with _sigterm_as_interrupt(), MotoServer() as server:
        sandboxes = FreshSandboxes(catalog, server, seed=options.seed)
        for group in _groups(tasks):
            for verdict in _judge(group, sandboxes, options):
                _tell(options, verdict)
                out.append(verdict)
    return out


def _parallel(
    catalog: Catalog, tasks: list[Task], options: DrillOptions, jobs: int
) -> list[Verdict]:
    """Groups of tasks in worker processes (:func:`~runbooks.drills.workers.run_in_workers`),
    the likely longest scenarios first."""
    groups = _groups(tasks)
    first = {id(g.tasks[0].scenario): g for g in groups}
    ordered = [first[id(s)] for s in longest_first([g.tasks[0].scenario for g in groups])]
    verdicts: list[Verdict] = []

    def got(verdict: Verdict) -> None:
        _tell(options, verdict)
        verdicts.append(verdict)

    run_in_workers(
        catalog,
        ordered,
        jobs=jobs,
        options=options,
        judge=_judge,
        on_result=got,
        count_label=f"{len(tasks)} drills",
    )
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
    if jobs == 1 or len(_groups(tasks)) == 1:
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
