"""A pool of worker processes that judge drills, each with its own moto_server.

The sandbox is process-wide (the handlers, the logger's clock and its ID source), so drills can
only run side by side in separate processes. Workers are spawned (no state leaks in from the
parent) and take the next item from a shared queue as soon as they finish one, so an item that
runs long does not hold back those dealt after it. Each worker judges an item with a ``judge``
function on its own moto_server, restored to the set-up system between drills
(:class:`~runbooks.drills.runner.FreshSandboxes`), and sends each result back as it comes.
``obskit drill run`` (one drill per item, :mod:`runbooks.drills.parallel`) and ``obskit drill
mutate`` (a group of one scenario's mutants per item, :mod:`runbooks.mutation.run`) share it.

Teardown: a worker stops its sandbox on Ctrl-C (the terminal sends SIGINT to every process of
the group) and on SIGTERM, which the parent sends to every worker still running when it is
interrupted itself; either way the worker then stops its moto_server.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue as queue_module
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from multiprocessing.process import BaseProcess
from typing import Any

from catalog.models import Catalog
from runbooks.drills.runner import DrillOptions, FreshSandboxes, _say, _sigterm_as_interrupt
from sandbox.moto_server import MotoServer

JOIN_TIMEOUT_S = 30.0

Judge = Callable[[Any, FreshSandboxes, DrillOptions], Iterable[Any]]
"""Judges one item on a worker's sandboxes, yielding its results (a module-level function:
it crosses into spawned processes by name)."""


def _worker(catalog: Catalog, items: Any, options: DrillOptions, out: Any, judge: Judge) -> None:
    """Judge items from ``items`` until its ``None``; one ``result`` message per result."""
    try:
        with _sigterm_as_interrupt(), MotoServer() as server:
            sandboxes = FreshSandboxes(catalog, server, seed=options.seed)
            while (item := items.get()) is not None:
                for result in judge(item, sandboxes, options):
                    out.put(("result", result))
        out.put(("done", os.getpid()))
    except KeyboardInterrupt:
        out.put(("interrupted", os.getpid()))
    except Exception as error:  # reported to the parent, which raises it
        out.put(("error", (os.getpid(), f"{type(error).__name__}: {error}")))


def run_in_workers(
    catalog: Catalog,
    items: Sequence[Any],
    *,
    jobs: int,
    options: DrillOptions,
    judge: Judge,
    on_result: Callable[[Any], None],
    count_label: str,
) -> None:
    """Judge ``items`` (in the order given: put the longest first) in ``jobs`` workers; hand
    every result to ``on_result`` in the parent as it arrives. ``count_label`` says what runs
    ("39 drills")."""
    count = min(jobs, len(items))
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    for item in items:
        queue.put(item)
    for _ in range(count):
        queue.put(None)  # one stop sign per worker
    out = context.Queue()
    quiet = dataclasses.replace(options, on_event=None)  # a closure cannot cross processes
    workers: list[BaseProcess] = [
        context.Process(target=_worker, args=(catalog, queue, quiet, out, judge), daemon=False)
        for _ in range(count)
    ]
    ended: set[int] = set()
    """Workers that sent their last message: they exit by themselves and are never signalled
    (a worker killed by SIGTERM while it sends could leave the queue's write lock held)."""
    with _sigterm_as_interrupt():
        try:
            for worker in workers:
                worker.start()
            _say(options, f"running {count_label} in {len(workers)} worker processes")
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
                on_result(payload)
        finally:
            _wind_down(workers, out, ended)
            # Items no worker took are still in the queue's pipe after a failure; without
            # this, this process would wait at exit, forever, to hand them to a reader.
            queue.cancel_join_thread()


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
