"""Per-service fault switches, so drills can make each handler misbehave the way real ones do.

Each handler calls :func:`before_work` at the start of every invocation (after its duplicate
check), so a switch flipped between invocations takes effect on the next event. Modes, combinable
with commas (``"slow:30,duplicate"``):

``fail``       the service's designed failure. parser: the document is unreadable, so it emits
               ``DocumentRejected`` (the ingest workflow's failure event); indexer, on a reindex:
               the document is gone, ``ReindexRejected``. Where a service has no business
               failure it raises :class:`InjectedFault`, like ``crash``.
``crash``      raise :class:`InjectedFault` before any work (Lambda retries an async event; an
               SQS record is reported in ``batchItemFailures`` and comes back).
``slow[:S]``   sleep S seconds (default 5) before working, through :func:`sleep`, which the
               sandbox points at its simulated clock (timeouts, Duration and SLA alarms).
``duplicate``  publish every outgoing event twice with the same ``event_id``; consumers log
               ``Duplicate event detected`` and skip the second.

``throttle`` is not here: the sandbox throttles a function by setting its reserved concurrency to
0, as an operator would, and the handler never runs. The environment variable
``INGEST_FAULT_<SERVICE>`` (upper case, ``-`` -> ``_``) sets a switch in a deployed function;
:func:`set_fault` wins over it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from ingest_handlers import SERVICES

ENV_PREFIX = "INGEST_FAULT_"
DEFAULT_SLOW_S = 5.0
MODES = ("fail", "crash", "slow", "duplicate")


class InjectedFault(RuntimeError):
    """Raised by a handler whose switch says fail or crash."""


@dataclass(frozen=True)
class Fault:
    """What one service does wrong on its next invocations (all off: behave)."""

    fail: bool = False
    crash: bool = False
    slow_s: float = 0.0
    duplicate: bool = False


NO_FAULT = Fault()
_overrides: dict[str, Fault] = {}
_sleeper: Callable[[float], None] = time.sleep


def parse(spec: str, *, where: str = "fault") -> Fault:
    """``"fail"``, ``"slow:2.5,duplicate"``...; ``""`` or ``"none"`` is no fault. A bad spec is
    a ValueError naming ``where`` and the part that is wrong."""
    fail = crash = duplicate = False
    slow_s = 0.0
    for raw in spec.split(","):
        part = raw.strip().lower()
        if part in ("", "none", "off"):
            continue
        mode, _, argument = part.partition(":")
        if argument and mode != "slow":
            raise ValueError(f"{where}: mode {mode!r} takes no argument, got {part!r}")
        if mode == "fail":
            fail = True
        elif mode == "crash":
            crash = True
        elif mode == "duplicate":
            duplicate = True
        elif mode == "slow":
            slow_s = _seconds(argument, where) if argument else DEFAULT_SLOW_S
        else:
            raise ValueError(f"{where}: unknown fault mode {mode!r} (expected one of {MODES})")
    return Fault(fail=fail, crash=crash, slow_s=slow_s, duplicate=duplicate)


def _seconds(argument: str, where: str) -> float:
    try:
        seconds = float(argument)
    except ValueError:
        raise ValueError(f"{where}: slow needs seconds, e.g. slow:2.5, got {argument!r}") from None
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{where}: slow needs a finite number of seconds >= 0, got {argument!r}")
    return seconds


def set_fault(service: str, spec: Fault | str) -> None:
    """Switch ``service``'s fault in this process (the sandbox's ``inject_fault`` calls this)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {sorted(SERVICES)}")
    _overrides[service] = (
        parse(spec, where=f"set_fault({service!r})") if isinstance(spec, str) else spec
    )


def clear_faults() -> None:
    """Forget every in-process switch (environment variables still apply)."""
    _overrides.clear()


def current(service: str) -> Fault:
    """The in-process switch of ``service``, else its environment variable, else no fault."""
    if service in _overrides:
        return _overrides[service]
    name = ENV_PREFIX + service.upper().replace("-", "_")
    spec = os.environ.get(name, "")
    return parse(spec, where=f"environment variable {name}") if spec else NO_FAULT


def set_sleeper(sleeper: Callable[[float], None] | None) -> None:
    """Sleep with ``sleeper`` in the ``slow`` mode (the sandbox's clock); None: ``time.sleep``."""
    global _sleeper
    _sleeper = time.sleep if sleeper is None else sleeper


def sleep(seconds: float) -> None:
    _sleeper(seconds)


def before_work(service: str, *, designed_failure: bool = False) -> Fault:
    """Apply ``crash`` and ``slow`` now, and ``fail`` too unless the handler has a
    ``designed_failure`` of its own to act out; return the fault for the handler to read."""
    fault = current(service)
    if fault.crash:
        raise InjectedFault(f"{service}: crash injected by its fault switch")
    if fault.slow_s > 0:
        sleep(fault.slow_s)
    if fault.fail and not designed_failure:
        raise InjectedFault(f"{service}: failure injected by its fault switch")
    return fault
