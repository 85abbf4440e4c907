"""Several runbooks of one scenario, each judged by the drill, sharing the drill up to detection.

Mutation testing runs a scenario's drill once per mutant of its runbook, and a mutant differs from
the runbook only in its steps, which all run after the fault is detected. Everything before (the
saved set-up restored, the baseline load, the fault, the minutes of simulated time until the alarms
fire: most of a drill's cost) is the same for every runbook whose drill starts the same way. So
:func:`run_variants` runs that part once, saves the moto_server's state in a named slot
(:meth:`~sandbox.moto_server.MotoServer.snapshot`), and for each runbook *forks* this process: the
child restores the slot, continues the drill with its runbook, sends back its
:class:`~runbooks.drills.model.DrillResult` and exits. A child is a copy of the drill at that
instant (the sandbox, its simulated clock, the services' module state, the random generators) on
the same server state, so its run is the run a fresh drill of that runbook makes: same steps, same
verdict. The child never shares a connection with its parent (it drops the HTTP connections it
inherited and opens its own).

Where that cannot hold, each runbook gets a fresh drill of its own (:func:`run_drill`): not Linux,
a drill on someone else's endpoint (no snapshot), threads running at the fork point, or a runbook
whose drill starts differently (another drill definition, or other functions mirrored in moto,
:func:`~runbooks.drills.runner.acts_on_functions`).
"""

from __future__ import annotations

import copy
import gc
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from runbooks.drills.commands import warm_command_servers
from runbooks.drills.model import DrillResult
from runbooks.drills.runner import (
    DrillOptions,
    FreshSandboxes,
    _Drill,
    _say,
    _stop_if_terminated,
    acts_on_functions,
    long_drill_start,
    run_drill,
)
from runbooks.scenarios.model import Scenario

DETECTED_SLOT = "detected"
"""The server's snapshot slot holding the state at the end of detection."""

Outcome = DrillResult | Exception
"""A runbook's drill result, or why the harness could not judge it."""


def run_variants(
    variants: Sequence[Scenario], sandboxes: FreshSandboxes, options: DrillOptions
) -> list[Outcome]:
    """The drill of each of ``variants`` (one scenario, runbooks differing), in order.

    The first variant's drill runs up to detection; every variant that starts the same way
    continues from there in a forked copy; the others run a fresh drill each."""
    if not variants:
        return []
    outcomes: dict[int, Outcome] = {}
    base = variants[0]
    shared = [i for i, v in enumerate(variants) if _starts_like(v, base)]
    if sandboxes.server is None or not hasattr(os, "fork") or sys.platform != "linux":
        shared = []
    if len(shared) > 1:
        outcomes.update(
            _from_detection(base, [(i, variants[i]) for i in shared], sandboxes, options)
        )
    for index, variant in enumerate(variants):
        if index not in outcomes:
            outcomes[index] = _fresh(variant, sandboxes, options)
    return [outcomes[i] for i in range(len(variants))]


def _starts_like(variant: Scenario, base: Scenario) -> bool:
    return variant.drill == base.drill and acts_on_functions(variant) == acts_on_functions(base)


def _fresh(variant: Scenario, sandboxes: FreshSandboxes, options: DrillOptions) -> Outcome:
    try:
        return run_drill(variant, sandboxes, options)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # the harness, not the runbook
        return error


def _from_detection(
    base: Scenario,
    variants: list[tuple[int, Scenario]],
    sandboxes: FreshSandboxes,
    options: DrillOptions,
) -> dict[int, Outcome]:
    """Run ``base``'s drill to detection, then each variant from there; {} when it cannot."""
    drill = base.drill
    assert drill is not None and sandboxes.server is not None
    began = time.perf_counter()
    result = DrillResult(
        base.id, base.title, list(drill.expected_alarms), budget_s=drill.detection_budget_s
    )
    _stop_if_terminated()
    sandbox = sandboxes.open(long_drill_start(sandboxes.catalog, drill, options, time.time()))
    outcomes: dict[int, Outcome] = {}
    try:
        running = _Drill(sandbox, base, result, options, sandboxes.mirror)
        detected = running.run_until_detected()
        prefix_s = time.perf_counter() - began
        if not detected:  # it ended at detection: every variant ends there the same way
            for index, _variant in variants:
                ended = copy.deepcopy(result)
                ended.wall_s = prefix_s
                outcomes[index] = ended
            return outcomes
        sandboxes.server.snapshot(DETECTED_SLOT)
        warm_command_servers()
        if threading.active_count() > 1:  # a fork would copy a thread's locks mid-use
            return {}
        _say(options, f"drill {base.id}: detected; {len(variants)} runbooks continue from here")
        for index, variant in variants:
            outcomes[index] = _continue_in_child(running, variant, result, sandboxes, prefix_s)
    finally:
        sandbox.stop()
    return outcomes


def _continue_in_child(
    running: _Drill,
    variant: Scenario,
    at_detection: DrillResult,
    sandboxes: FreshSandboxes,
    prefix_s: float,
) -> Outcome:
    """Fork; the child continues ``running`` with ``variant``'s runbook and pickles its result."""
    server = sandboxes.server
    assert server is not None
    began = time.perf_counter()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        payload: tuple[str, Any]
        try:
            _drop_inherited_connections()
            server.restore(DETECTED_SLOT)
            running.scenario = variant
            running.result = copy.deepcopy(at_detection)
            running.run_runbook()
            payload = ("result", running.result)
        except BaseException as error:  # noqa: BLE001 - reported to the parent as an error
            payload = ("error", f"{type(error).__name__}: {error}")
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(payload))
        os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        _kill(pid)
        raise
    if not data:
        code = os.waitstatus_to_exitcode(status)
        return RuntimeError(f"the drill's copy for {variant.id} ended without a result ({code})")
    kind, value = pickle.loads(data)
    if kind == "error":
        return RuntimeError(value)
    assert isinstance(value, DrillResult)
    value.wall_s = prefix_s + time.perf_counter() - began
    return value


def _drop_inherited_connections() -> None:
    """Forget the parent's pooled HTTP connections (the child opens its own): a request the
    child made on a socket the parent shares would leave that connection mid-answer for it."""
    import urllib3

    # type(), not isinstance(): some objects (proxies) raise when asked for their __class__
    for thing in gc.get_objects():
        kind = type(thing)
        if issubclass(kind, urllib3.PoolManager):
            thing.clear()
        elif issubclass(kind, urllib3.HTTPConnectionPool):
            thing.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
