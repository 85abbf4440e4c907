"""Run scenarios' drills: sandbox up, baseline, fault, detection, runbook, recovery, verdict.

The runbook runs in three parts (``runbooks.drills.steps``): its diagnosis commands right after
detection, while the fault is on; its mitigation (below); its verification commands after
recovery. Each command's output must show what its step expects (``Step.expect``); rollback
steps are listed in the report, not run.

One drill, on the simulated clock:

1. **baseline**: the baseline load of the whole system (every workflow, and every scheduled job
   once, standing in for its last run), then time enough for every alarm to leave
   INSUFFICIENT_DATA and for their datapoints to reach the alarms (the sandbox starts with no
   history, so an alarm that judges an absence, such as a heartbeat or a job's missed-run alarm,
   is in ALARM until the baseline's data arrives, as it would be on a freshly deployed account);
   nothing may be in ALARM when it ends. A drill longer than :data:`LOAD_EVERY_S` starts the
   load again every that long, so a heartbeat only fires when its workflow really stops;
2. **fault**: inject the scenario's fault(s) at ``t0`` and start its workflows (or invoke its
   scheduled job, as the job's schedule does);
3. **detection**: advance minute by minute until every expected alarm is in ALARM, at most the
   scenario's detection budget; a fault that clears itself (``clear_after_s``) is cleared on time;
4. **mitigation**: run each runnable mitigation command as a subprocess (``commands``) against
   the sandbox through a gateway that delivers Lambda's asynchronous Invokes (``lambda_gateway``),
   with the incident window filled into ``<incident-start>`` / ``<fix-time>`` (``placeholders``),
   reading the state it changed back from moto (``lambda_mirror``). A step without a command is the
   operator's fix no CLI expresses ("roll back the deploy"): there the handler/rule/topic faults
   are cleared. A throttle is never cleared that way: only a command that restores the
   concurrency in moto ends it, so a runbook that forgets it fails;
5. **recovery**: a little traffic, then advance until no alarm is in ALARM (bounded);
6. **verdict**: expected alarms fired within budget, no other alarm fired after the fault (but
   the drill's ``may_fire`` consequences), every step exited as allowed and showed what it must,
   every workflow completed exactly once (by event_id) or ended with a failure event, every DLQ
   empty, alarms back to OK.

Every moment is in simulated seconds since ``t0``. The sandbox and moto_server are always torn
down: ``try/finally`` per drill and per run, and SIGTERM is turned into KeyboardInterrupt so a
killed run unwinds the same way as Ctrl-C.
"""

from __future__ import annotations

import math
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillRunning
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from catalog.models import Catalog
from runbooks.drills.commands import CommandEnv, run_command
from runbooks.drills.detection import explained_composites
from runbooks.drills.expect import missing
from runbooks.drills.model import DrillReport, DrillResult, Part, StepResult, Transition
from runbooks.drills.placeholders import fill, incident_values, runs_from
from runbooks.drills.steps import judged, not_run, step_failures
from runbooks.drills.verify import (
    RunbookInvoke,
    alarms_in_alarm,
    empty_dlqs,
    ends_no_workflow,
    fired_since,
    lost_scheduled_runs,
    tally_workflows,
    unhandled_events,
    unhandled_invokes,
)
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from sandbox.clock import START_ENV, default_start, schedule_run_days
from sandbox.errors import SandboxError
from sandbox.function_runner import load_handler
from sandbox.lambda_gateway import LambdaGateway
from sandbox.lambda_mirror import LambdaMirror, create_functions, delivery_queues
from sandbox.ledger import message_key
from sandbox.moto_server import MotoServer
from sandbox.session import Sandbox, SandboxSetup
from sandbox.workload import plan_runs, startable_workflows

TICK_S = 60.0
STEP_SETTLE_S = 300.0
"""After a command, the sandbox runs until idle, at most this long (an operator waits a little
before the next step; retries still held then continue during recovery)."""
CODE_FAULTS = ("fail", "crash", "slow", "duplicate")
REPLAY_POLL_S = 0.2
LOAD_EVERY_S = 12 * 3600.0
"""In a drill longer than this (a scheduled job's missed-run drill watches for a day), the
baseline load of every workflow runs again every this long: a workflow heartbeat looks back
24 hours, and on AWS the other workflows keep running while one thing is broken."""
HEADROOM_MARGIN_S = 3 * 3600.0
"""Simulated time a drill may run past its budgets (settling, waits between steps)."""
WEEK_S = 7 * 86400.0
"""While a command runs, how often (wall seconds) the drill asks whether a replay needs time."""

StepRunner = Callable[[str, CommandEnv], StepResult]


class DrillError(ValueError):
    """Bad input to a drill run: an unknown scenario id, a scenario without a drill, …"""


@dataclass(frozen=True)
class DrillOptions:
    seed: int = 0
    baseline_workflows: int = 1
    baseline_s: float = 300.0
    """Three minutes to leave INSUFFICIENT_DATA plus the longest ingestion delay (two minutes
    for log-derived metrics, :mod:`dashboards.alarm_eval_timing`)."""
    recovery_workflows: int = 2
    recovery_budget_s: float = 1200.0
    step_runner: StepRunner = field(default=run_command)
    """How a command runs (tests may wrap it; the default is a real subprocess)."""
    on_event: Callable[[str], None] | None = None
    """Progress lines ("drill X: detected after 240 s"), e.g. for the CLI's stderr."""
    stop_at_first_failure: bool = False
    """End the drill at its first failure (a detection that did not come, a step that failed or
    misled). Failures only accumulate, so the verdict is the same as the whole drill's; only
    the later reasons are not collected. Mutation runs use it: most mutants fail early."""


class _FirstFailure(Exception):
    """Raised inside a drill run with ``stop_at_first_failure`` when its first failure is known."""


def select_scenarios(scenarios: Sequence[Scenario], ids: Sequence[str]) -> list[Scenario]:
    """The scenarios named by ``ids`` (all drillable ones when empty), in the order given."""
    drillable = [s for s in scenarios if s.drill is not None]
    if not ids:
        return drillable
    by_id = {s.id: s for s in scenarios}
    out: list[Scenario] = []
    for wanted in ids:
        found = by_id.get(wanted)
        if found is None:
            known = ", ".join(s.id for s in drillable)
            raise DrillError(f"unknown scenario id {wanted!r}; drillable ids: {known}")
        if found.drill is None:
            raise DrillError(f"scenario {wanted!r} has no drill definition")
        out.append(found)
    return out


def drilled_steps(scenario: Scenario) -> tuple[Step, ...]:
    """The steps a drill acts on, in order: diagnosis, mitigation and verification (rollback
    steps are listed, never run). The single definition, so a mutant that leaves these steps
    unchanged is known to get its scenario's verdict without a run (:mod:`runbooks.mutation`)."""
    return tuple(step for part, step in scenario.steps() if part != "rollback")


def check_drillable(catalog: Catalog, scenarios: Sequence[Scenario]) -> None:
    """Raise :class:`DrillError` naming what stops these drills from running in the sandbox.

    The sandbox runs the catalog's own handlers and starts a drill's workflow the way the catalog
    says it starts, so a catalog without handlers (one written only to generate monitoring from)
    or a workflow that does not say how it starts cannot be drilled. Said before any server
    starts, rather than as a worker's crash.
    """
    problems = [
        f"service {service.name!r} has no handler ('module:function')"
        for service in catalog.services
        if not service.handler or ":" not in service.handler
    ]
    if not problems:  # a handler that cannot be imported would crash every worker's sandbox
        for service in catalog.services:
            try:
                load_handler(catalog, service)
            except SandboxError as error:
                problems.append(str(error).removeprefix(f"{catalog.source_file}: "))
    for job in sorted({s.drill.job for s in scenarios if s.drill is not None and s.drill.job}):
        try:
            catalog.schedule(job)
        except KeyError:
            problems.append(f"no schedule {job!r} for a drill to invoke")
    wanted = {s.drill.workflow or "" for s in scenarios if s.drill is not None and not s.drill.job}
    for workflow in sorted(wanted):
        try:
            plan_runs(catalog, 1, workflow or None)
        except SandboxError as error:
            problems.append(str(error).removeprefix(f"{catalog.source_file}: "))
    if problems:
        raise DrillError(
            f"{catalog.source_file}: cannot run drills in the sandbox: " + "; ".join(problems)
        )


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM unwind like Ctrl-C, so ``finally`` blocks stop the sandbox and moto_server."""

    def handler(signum: int, frame: FrameType | None) -> None:
        _TERMINATED.set()
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous: Any = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _TERMINATED.clear()


_TERMINATED = threading.Event()
"""Set by SIGTERM. A KeyboardInterrupt raised from a signal handler is lost when the handler runs
inside a finalizer (Python prints "Exception ignored" and goes on), so the drill's loops also
check this at every tick (:func:`_stop_if_terminated`)."""


def _stop_if_terminated() -> None:
    """Raise KeyboardInterrupt if SIGTERM came, even if the one its handler raised was lost."""
    if _TERMINATED.is_set():
        raise KeyboardInterrupt("signal 15")


def run_drills(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    *,
    options: DrillOptions | None = None,
    catalog_label: str = "embedded example",
    endpoint_url: str | None = None,
    server: MotoServer | None = None,
) -> DrillReport:
    """Run each scenario's drill on one moto_server.

    ``server``: a running one this run may reset, snapshot and restore (:class:`FreshSandboxes`);
    ``endpoint_url``: someone else's endpoint, used as it is. Neither: one is started here.
    """
    opts = options or DrillOptions()
    check_drillable(catalog, scenarios)
    report = DrillReport(catalog_label, catalog.system, catalog.stage)
    with _sigterm_as_interrupt():
        owned: MotoServer | None = None
        try:
            if server is None and endpoint_url is None:
                server = owned = MotoServer().start()
            sandboxes = FreshSandboxes(catalog, server, endpoint_url, seed=opts.seed)
            _say(opts, f"sandbox endpoint {sandboxes.endpoint_url}")
            for scenario in scenarios:
                report.results.append(run_drill(scenario, sandboxes, opts))
        finally:
            if owned is not None:
                owned.stop()
    return report


class FreshSandboxes:
    """Each drill's sandbox, on a system just set up and never used.

    On a server of its own, the first sandbox sets the system up (after a reset, if the server
    has been used) and the server saves that state (:meth:`MotoServer.snapshot`); every later
    one restores it (:meth:`MotoServer.restore`) and starts from the same :class:`SandboxSetup`,
    which spares a hundred requests per drill. On someone else's endpoint, every sandbox sets
    itself up there, as ``obskit sandbox`` does.
    """

    def __init__(
        self,
        catalog: Catalog,
        server: MotoServer | None,
        endpoint_url: str | None = None,
        *,
        seed: int = 0,
    ) -> None:
        if server is None and endpoint_url is None:
            raise ValueError("FreshSandboxes needs a server or an endpoint URL")
        self.catalog = catalog
        self.server = server
        self.endpoint_url = server.endpoint_url if server is not None else str(endpoint_url)
        self.seed = seed
        self._setup: SandboxSetup | None = None
        self._functions: Any = None
        self._used = False

    def open(self, start_time: float | None = None) -> Sandbox:
        """A sandbox for the next drill (the caller stops it); ``start_time``: where its clock
        starts (default: as ``sandbox up``'s)."""
        server, used = self.server, self._used
        self._used = True
        if server is None:
            return Sandbox.start(
                self.catalog, endpoint_url=self.endpoint_url, seed=self.seed, start_time=start_time
            )
        if self._setup is not None:
            server.restore()
            return Sandbox.start(
                self.catalog,
                endpoint_url=self.endpoint_url,
                seed=self.seed,
                setup=self._setup,
                start_time=start_time,
            )
        if used:
            server.reset()
        box = Sandbox.start(
            self.catalog, endpoint_url=self.endpoint_url, seed=self.seed, start_time=start_time
        )
        try:
            functions = create_functions(box)
            server.snapshot()
        except BaseException:
            box.stop()
            raise
        self._setup, self._functions = box.setup, functions
        return box

    def mirror(self, sandbox: Sandbox) -> LambdaMirror:
        """The Lambda functions of ``sandbox`` in moto: in the saved state already, or created
        now (on someone else's endpoint)."""
        if self._functions is not None:
            return LambdaMirror(sandbox, self._functions)
        return LambdaMirror.create(sandbox)


def run_drill(scenario: Scenario, sandboxes: FreshSandboxes, options: DrillOptions) -> DrillResult:
    """One drill on a fresh sandbox, which is stopped whatever happens."""
    drill = scenario.drill
    if drill is None:
        raise DrillError(f"scenario {scenario.id!r} has no drill definition")
    began = time.perf_counter()
    result = DrillResult(
        scenario.id, scenario.title, list(drill.expected_alarms), budget_s=drill.detection_budget_s
    )
    _stop_if_terminated()
    sandbox = sandboxes.open(long_drill_start(sandboxes.catalog, drill, options, time.time()))
    try:
        _Drill(sandbox, scenario, result, options, sandboxes.mirror).run()
    finally:
        sandbox.stop()
        result.wall_s = time.perf_counter() - began
    verdict = "PASS" if result.passed else "FAIL: " + "; ".join(result.failures)
    _say(options, f"drill {scenario.id}: {verdict} ({result.wall_s:.1f} s wall)")
    return result


def acts_on_functions(scenario: Scenario) -> bool:
    """Whether the drill needs the catalog's functions in moto: a throttle or slow fault is
    written into (and read back from) them, and a mitigation command may act on them.
    Reading them back after every step costs eight calls, and creating them (where no saved
    state has them) eight more, so drills without either leave them alone."""
    drill = scenario.drill
    assert drill is not None
    faults = (drill.fault, *drill.extra_faults)
    modes = {f.kind.partition(":")[0] for f in faults if f.target == "service"}
    if modes & {"throttle", "slow"}:
        return True
    commands = [s.command or "" for s in drilled_steps(scenario)]
    return any(c.startswith("aws lambda") or " --lambda " in c for c in commands)


def long_drill_start(
    catalog: Catalog, drill: Drill, options: DrillOptions, wall_now: float
) -> float | None:
    """Where the clock of a drill too long for the default start begins, None for the others.

    CloudWatch Logs refuses events more than 2 hours ahead of the wall clock, and a sandbox's
    clock starts about 12 hours in the past (:func:`sandbox.clock.default_start`). A scheduled
    job's missed-run drill watches for a day or more, so its clock starts whole weeks earlier
    (same weekday and hour, so the schedules behave the same), within the 14 days Logs accepts.
    A pinned start (``--start``, ``$OBSKIT_SANDBOX_START``) is always kept.
    """
    if os.environ.get(START_ENV):
        return None
    span = (
        options.baseline_s
        + drill.detection_budget_s
        + options.recovery_budget_s
        + HEADROOM_MARGIN_S
    )
    start = default_start(wall_now, schedule_run_days(catalog))
    room = wall_now - start
    if span <= room:
        return None
    return start - WEEK_S * math.ceil((span - room) / WEEK_S)


def _say(options: DrillOptions, line: str) -> None:
    if options.on_event is not None:
        options.on_event(line)


class _Drill:
    def __init__(
        self,
        sandbox: Sandbox,
        scenario: Scenario,
        result: DrillResult,
        options: DrillOptions,
        mirror: Callable[[Sandbox], LambdaMirror] = LambdaMirror.create,
    ) -> None:
        """``mirror``: the functions in moto, for a drill that acts on them (others get an
        inert :class:`LambdaMirror`)."""
        assert scenario.drill is not None
        self.sandbox = sandbox
        self.scenario = scenario
        self.drill = scenario.drill
        self.result = result
        self.options = options
        self.faults = (self.drill.fault, *self.drill.extra_faults)
        self.mirror = mirror(sandbox) if self._acts_on_functions() else LambdaMirror(sandbox)
        self.code_faults_active = False
        self.t0 = 0.0
        self.began = 0.0
        self.fixed_at: float | None = None
        """When the last fix went in (a fix step, or a command): the replay window's end."""
        self.unsettled: list[str] = []
        """Alarms still in ALARM when the baseline ended (before any fault)."""
        self.loaded_at = 0.0
        """When the baseline load last started (:data:`LOAD_EVERY_S`)."""
        self.invokes: list[RunbookInvoke] = []
        """The asynchronous Invokes the runbook's commands made, in order."""

    def since_t0(self) -> float:
        return self.sandbox.clock.now() - self.t0

    def run(self) -> None:
        if self.run_until_detected():
            self.run_runbook()

    def run_until_detected(self) -> bool:
        """Baseline, fault, detection: everything before the runbook's first step. False when
        the drill already ended (its first failure, with ``stop_at_first_failure``)."""
        box, drill = self.sandbox, self.drill
        self.began = box.clock.now()
        self._baseline()
        box.advance(self.options.baseline_s, flush=False)
        runs = drill.workflows
        self.t0 = box.clock.now()
        self.unsettled = alarms_in_alarm(box)
        for fault in self.faults:
            self._inject(fault)
        if drill.job is not None:
            for index in range(runs):
                box.invoke_schedule(drill.job)
                if index < runs - 1 and drill.spacing_s > 0:
                    box.advance(drill.spacing_s, flush=False)
            box.settle(0, flush=False)
        else:
            box.run_workflows(
                runs,
                spacing_s=drill.spacing_s,
                settle_s=0,
                workflow=drill.workflow,
                flush=False,
            )
        self._detect()
        try:
            self._stop_if_failed()
        except _FirstFailure:
            return False
        return True

    def run_runbook(self) -> None:
        """The runbook's diagnosis, mitigation, recovery and verification, then the verdict."""
        try:
            with self._commands() as env:
                self._diagnose(env)
                self._mitigate(env)
                self._recover()
                self._verify(env)
        except _FirstFailure:
            self.result.failures.extend(step_failures(self.result.steps))
            return
        self._list_rollback()
        self._verdict()

    def _stop_if_failed(self) -> None:
        if not self.options.stop_at_first_failure:
            return
        if self.result.failures or step_failures(self.result.steps):
            raise _FirstFailure

    def _baseline(self) -> None:
        """The baseline load: the drill's own workflow runs first, then every other workflow
        that says how it starts, and each scheduled job once, its last run before the drill (its missed-run alarm judges the
        time since a successful run)."""
        box, drill = self.sandbox, self.drill
        n = self.options.baseline_workflows
        self.loaded_at = box.clock.now()
        flows = startable_workflows(box.catalog)
        if drill.workflow is not None or flows:  # a system of jobs only has no workflow to run
            box.run_workflows(n, workflow=drill.workflow, flush=False)
        for flow in flows:
            if flow.name != drill.workflow:
                for _ in range(n):
                    box.start_run(flow)
        for schedule, _ in box.scheduled_jobs():
            box.invoke_schedule(schedule.name)
        box.settle(flush=False)

    def _keep_load(self) -> None:
        """Start the baseline load of every workflow again once :data:`LOAD_EVERY_S` passed."""
        box = self.sandbox
        if box.clock.now() - self.loaded_at < LOAD_EVERY_S:
            return
        self.loaded_at = box.clock.now()
        for flow in startable_workflows(box.catalog):
            box.start_run(flow)

    def _acts_on_functions(self) -> bool:
        return acts_on_functions(self.scenario)

    # --- phases -----------------------------------------------------------------------------

    def _inject(self, fault: Fault) -> None:
        mode = fault.kind.partition(":")[0]
        if fault.target == "service" and mode == "throttle":
            self.mirror.throttle(fault.name)
            return
        self.sandbox.inject_fault(fault.name, fault.kind, target=fault.target)
        self.code_faults_active = True
        if fault.target == "service" and mode == "slow":
            seconds = fault.kind.partition(":")[2]
            self.mirror.slow_faults[fault.name] = float(seconds) if seconds else 5.0

    def _end_fault(self, fault: Fault) -> None:
        """One fault with ``clear_after_s`` ends by itself (the others stay)."""
        mode = fault.kind.partition(":")[0]
        if fault.target == "service" and mode == "throttle":
            self.mirror.restore(fault.name)
        else:
            self.sandbox.inject_fault(fault.name, "none", target=fault.target)
            self.mirror.slow_faults.pop(fault.name, None)

    def _clear_code_faults(self) -> None:
        """The operator's fix (a deploy): handler, rule and topic faults end; throttles stay."""
        box = self.sandbox
        if box.package is not None:
            box.package.clear_faults()
        box.deliveries.restore_all()
        box.transport.failing_topics.clear()
        self.mirror.slow_faults.clear()
        self.code_faults_active = False

    def _detect(self) -> None:
        box, drill = self.sandbox, self.drill
        deadline = self.t0 + drill.detection_budget_s
        clear_at = None if drill.clear_after_s is None else self.t0 + drill.clear_after_s
        ending = [
            (self.t0 + fault.clear_after_s, fault)
            for fault in self.faults
            if fault.clear_after_s is not None
        ]
        expected = set(drill.expected_alarms)
        while True:
            _stop_if_terminated()
            if clear_at is not None and box.clock.now() >= clear_at:
                self._clear_code_faults()
                self.mirror.restore()
                clear_at = None
            for at, fault in [item for item in ending if box.clock.now() >= item[0]]:
                self._end_fault(fault)
                ending.remove((at, fault))
            fired = fired_since(box, self.t0)
            if expected <= set(fired) or box.clock.now() >= deadline:
                break
            self._keep_load()
            stops = [box.clock.now() + TICK_S, deadline, *(at for at, _ in ending)]
            if clear_at is not None:
                stops.append(clear_at)
            box.advance(min(stops) - box.clock.now(), flush=False)
        for _, fault in ending:  # detected before they ended: end them now
            self._end_fault(fault)
        fired = fired_since(box, self.t0)
        if not expected:
            pass  # nothing to detect (e.g. duplicates idempotency absorbs): None, not a time
        elif expected <= set(fired):
            self.result.detected_after_s = max(fired[name] for name in expected) - self.t0
        else:
            missing = sorted(expected - set(fired))
            self.result.failures.append(
                f"not detected within {drill.detection_budget_s} s: {', '.join(missing)} "
                "never reached ALARM"
            )
        _say(self.options, f"drill {self.scenario.id}: detection {self.result.detected_after_s}")

    @contextmanager
    def _commands(self) -> Iterator[CommandEnv]:
        """Where every step's command runs: one working directory for the whole drill (a
        replay's journal written during mitigation is still there for verification) and the
        gateway in front of the sandbox endpoint."""
        box = self.sandbox
        with (
            tempfile.TemporaryDirectory(prefix="obskit-drill-") as workdir,
            self._gateway() as gateway,
        ):
            source = box.catalog.source_file
            yield CommandEnv(
                gateway.endpoint_url,
                box.catalog.region,
                box.resources.account_id,
                Path(workdir),
                catalog_file=None if source == "<catalog>" else str(Path(source).resolve()),
            )

    def _diagnose(self, env: CommandEnv) -> None:
        """The diagnosis steps, while the fault is still on: what the operator reads to find
        the cause must show it (``Step.expect``)."""
        self._run_reading_steps("diagnosis", self.scenario.diagnosis, env)

    def _verify(self, env: CommandEnv) -> None:
        """The verification steps, once the system recovered: they must show it (the alarm
        back to OK, the DLQ empty, the run completed)."""
        self._run_reading_steps("verification", self.scenario.verification, env)

    def _check_evidence(self, part: Part) -> None:
        """Each :class:`~runbooks.scenarios.model.Evidence` of ``part`` must be shown by a step
        of that part that ran and worked (a step that failed its own ``expect`` already says
        so); a runbook that lost the step showing it fails here."""
        shown = [s for s in self.result.steps if s.part == part and s.run and s.ok]
        own_failures = {
            s.expect for s in self.result.steps if s.part == part and s.matched is False
        }
        for evidence in self.drill.evidence:
            if evidence.part != part or evidence.expect in own_failures:
                continue
            if any(not missing(evidence.expect, step.output) for step in shown):
                continue
            self.result.failures.append(
                f"the {part} no longer shows what `{evidence.command}` showed: "
                f"{list(evidence.expect)}"
            )
        self._stop_if_failed()

    def _run_reading_steps(self, part: Part, steps: Sequence[Step], env: CommandEnv) -> None:
        box = self.sandbox
        box.flush()  # the commands read logs, metrics and alarm states from the endpoint
        now = box.clock.now()
        for step in steps:
            if step.command is None:
                continue  # something to read or decide, no command
            command = step.command
            if not step.runnable:
                filled = fill(command, incident_values(self.t0, self.fixed_at or now))
                if filled is None:  # needs a value only a person can look up
                    self.result.steps.append(not_run(step, part, placeholder=True))
                    continue
                command = filled
            self._record(step, part, self._run_command(command, env))
        self._check_evidence(part)

    def _list_rollback(self) -> None:
        """Rollback steps are listed, not run: undoing the fix re-opens the incident."""
        for step in self.scenario.rollback:
            if step.command is not None:
                self.result.steps.append(not_run(step, "rollback", placeholder=not step.runnable))

    def _record(self, step: Step, part: Part, outcome: StepResult) -> StepResult:
        judged_outcome = judged(step, part, outcome)
        self.result.steps.append(judged_outcome)
        verdict = {None: "", True: " (shows what it must)", False: " (DOES NOT show it)"}[
            judged_outcome.matched
        ]
        _say(
            self.options,
            f"drill {self.scenario.id}: {part}: exit {outcome.exit_code}: {outcome.command}"
            + verdict,
        )
        self._stop_if_failed()
        return judged_outcome

    def _mitigate(self, env: CommandEnv) -> None:
        self.result.mitigated_at_s = self.since_t0()
        self._run_steps(env)

    def _gateway(self) -> LambdaGateway:
        """The endpoint for the commands: moto_server, with asynchronous Invokes delivered to
        the functions' delivery queues as the sandbox's own invocations are."""
        box = self.sandbox
        queues = delivery_queues(box)
        by_url = {
            box.resources.queue(q).url: (service, q)
            for service, q in box.resources.delivery.items()
        }

        def send(url: str, body: str) -> None:
            service, queue = by_url[url]
            box.clients.sqs.send_message(QueueUrl=url, MessageBody=body)
            box.transport.sent_to_queue(queue, message_key(body), box.clock.now())
            self.invokes.append(RunbookInvoke(service, body, box.clock.now()))

        return LambdaGateway(box.endpoint_url, queues, send, region=box.resources.region)

    def _run_steps(self, env: CommandEnv) -> None:
        box = self.sandbox
        for step in self.scenario.mitigation:
            if step.command is None:
                if self.code_faults_active:
                    self._clear_code_faults()
                self.fixed_at = box.clock.now()
                continue
            command = step.command
            if not step.runnable:
                fixed_at = box.clock.now() if self.fixed_at is None else self.fixed_at
                filled = fill(command, incident_values(self.t0, fixed_at))
                if filled is None:  # needs a value only a person can look up
                    self.result.steps.append(not_run(step, "mitigation", placeholder=True))
                    continue
                wait = runs_from(command, fixed_at) - box.clock.now()
                if wait > 0:  # the operator waits as the runbook says (events reach archives late)
                    box.advance(wait, flush=False)
                command = filled
            box.flush()  # the command reads logs, metrics and alarm states from the endpoint
            self.fixed_at = box.clock.now()
            self._record(step, "mitigation", self._run_command(command, env))
            self.mirror.sync()
            box.settle(STEP_SETTLE_S, flush=False)
        self._check_evidence("mitigation")

    def _run_command(self, command: str, env: CommandEnv) -> StepResult:
        """Run the step; while an archive replay runs on the endpoint (started by this command
        and followed by it), move the simulated clock to each of its steps, as time passes on
        AWS while an operator waits for a replay."""
        box = self.sandbox
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drill-step")
        try:
            running = pool.submit(self.options.step_runner, command, env)
            while True:
                _stop_if_terminated()
                try:
                    return running.result(timeout=REPLAY_POLL_S)
                except StillRunning:
                    pass
                box.deliveries.tick_replays()
                due = box.deliveries.replays.next_due
                if due is not None:
                    box.advance(max(0.0, due - box.clock.now()), flush=False)
        finally:
            # Ctrl-C / SIGTERM: do not wait for the command; the sandbox is torn down next, and
            # a command still running then fails against the closed endpoint and exits.
            pool.shutdown(wait=False, cancel_futures=True)

    def _recover(self) -> None:
        box = self.sandbox
        if self.options.recovery_workflows and (
            self.drill.workflow is not None or startable_workflows(box.catalog)
        ):
            box.run_workflows(
                self.options.recovery_workflows,
                workflow=self.drill.workflow,
                settle_s=0,
                flush=False,
            )
        deadline = box.clock.now() + self.options.recovery_budget_s
        while True:
            _stop_if_terminated()
            box.settle(TICK_S, flush=False)
            if not alarms_in_alarm(box) and box.idle():
                self.result.recovered_after_s = self.since_t0()
                break
            if box.clock.now() >= deadline:
                break
            self._keep_load()
            box.advance(TICK_S, flush=False)
        box.flush()

    def _verdict(self) -> None:
        box, result = self.sandbox, self.result
        # From the fault on: before it, the sandbox was settling from an empty history (checked
        # by ``unsettled``); an alarm that fired and recovered then says nothing of the fault.
        fired = fired_since(box, self.t0)
        result.fired_alarms = sorted(fired)
        tolerated = set(result.expected_alarms) | set(self.drill.may_fire)
        tolerated |= explained_composites(fired, tolerated, box.composite_children())
        result.unexpected_alarms = sorted(set(fired) - tolerated)
        result.alarm_timing = box.alarm_timing.describe()
        result.timeline = _timeline(box, self.t0)
        result.workflows = tally_workflows(box)
        if self.unsettled:
            result.failures.append(
                "alarms in ALARM before the fault (the baseline did not settle): "
                + ", ".join(self.unsettled)
            )
        if result.unexpected_alarms:
            result.failures.append(
                "alarms fired that the scenario does not expect (noise): "
                + ", ".join(result.unexpected_alarms)
            )
        result.failures.extend(step_failures(result.steps))
        if result.workflows.lost:
            result.failures.append(f"{result.workflows.lost} workflow(s) did not complete")
        if result.workflows.duplicated:
            result.failures.append(
                f"{result.workflows.duplicated} workflow(s) completed more than once"
            )
        result.failures.extend(self._lost_by_consumer())
        result.failures.extend(unhandled_invokes(box, self.invokes))
        result.failures.extend(self._lost_scheduled_runs())
        leftovers = {name: n for name, n in empty_dlqs(box).items() if n}
        for name, count in leftovers.items():
            result.failures.append(f"DLQ {name} still holds {count} message(s)")
        still = alarms_in_alarm(box)
        if still:
            result.failures.append(
                f"alarms still in ALARM after {self.options.recovery_budget_s:g} s of recovery: "
                + ", ".join(still)
            )

    def _lasting_service_faults(self) -> list[Fault]:
        """The faults on a function that the runbook must end: a fault that ends by itself to
        make something else happen (the alerts topic's drill throttles `metrics` for a while)
        loses nothing the runbook is accountable for."""
        return [f for f in self.faults if f.target == "service" and f.clear_after_s is None]

    def _lost_by_consumer(self) -> list[str]:
        """The faulted service's events it never handled, when it ends no workflow (a
        metrics consumer): the workflow tally cannot count them, so a replay of another rule,
        or of a window that misses them, would pass unseen."""
        found: list[str] = []
        for fault in self._lasting_service_faults():
            if not ends_no_workflow(self.sandbox, fault.name):
                continue
            lost, failed = unhandled_events(self.sandbox, fault.name, self.t0)
            if lost:
                found.append(
                    f"{lost} of the {failed} event(s) {fault.name} failed on (or was throttled "
                    "on) during the incident were never handled"
                )
        return found

    def _lost_scheduled_runs(self) -> list[str]:
        """The faulted service's scheduled runs the incident lost (dropped, no DLQ) must be
        made up by a run the runbook started (:func:`unhandled_invokes` checks it ran): no
        workflow tally sees a run that never started. One run makes up all of them, as a
        schedule that fires again does not repeat the times it missed."""
        found: list[str] = []
        for fault in self._lasting_service_faults():
            lost = lost_scheduled_runs(self.sandbox, fault.name, self.t0)
            restarted = any(i.service == fault.name for i in self.invokes)
            if lost and not restarted:
                found.append(
                    f"{lost} scheduled run(s) of {fault.name} were dropped during the incident "
                    "and the runbook started none again"
                )
        return found


def _timeline(sandbox: Sandbox, t0: float) -> list[Transition]:
    out: list[Transition] = []
    for name in sorted(sandbox.alarm_states()):
        for change in sandbox.alarm_history(name):
            at = _epoch(change.timestamp) - t0
            out.append(Transition(name, at, change.old_state, change.new_state))
    out.sort(key=lambda t: (t.at_s, t.alarm))
    return out


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def catalog_label(path: str | Path | None) -> str:
    return "embedded example" if path is None else Path(path).name
