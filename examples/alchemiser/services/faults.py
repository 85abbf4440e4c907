"""Per-service fault switches: make a service fail, crash, slow down or duplicate on demand.

Drills and demos need the example services to misbehave in the ways real ones do. Each service
reads its switch at the start of every invocation, so flipping it takes effect on the next event:

* environment variable ``ALCHEMISER_FAULT_<SERVICE>`` (service name upper-cased, ``-`` → ``_``),
  e.g. ``ALCHEMISER_FAULT_PORTFOLIO=fail`` or ``ALCHEMISER_FAULT_EXECUTION=slow:30,duplicate``
  (what a deployed function would get from its configuration);
* or, in process, :func:`set_fault` / :func:`clear_faults`, which win over the environment.

Modes (comma-separated, combinable):

``fail``       the service's designed business failure. portfolio, trade-aggregator: emit
               ``WorkflowFailed``; execution: the broker rejects the plan's first order
               (``TradeExecuted`` with status ``rejected``, so trade-aggregator emits
               ``WorkflowFailed``);
               every other service raises :class:`InjectedFault` (Lambda then retries).
``crash``      raise :class:`InjectedFault` before doing any work (retries, DLQs, Errors alarms).
``slow[:S]``   sleep S seconds (default 5) before working, through :func:`sleep` so a simulated
               clock can stand in for real time (timeouts, Duration alarms, SLAs).
``duplicate``  publish every outgoing event twice with the same ``event_id`` (at-least-once
               delivery), which consumers must detect ("Duplicate event detected").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from services import SERVICE_MODULES

ENV_PREFIX = "ALCHEMISER_FAULT_"
DEFAULT_SLOW_S = 5.0
MODES = ("fail", "crash", "slow", "duplicate")


class InjectedFault(RuntimeError):
    """Raised by a service whose switch asked it to fail or crash."""


@dataclass(frozen=True)
class Fault:
    """What one service should do wrong on its next invocations (all off: behave)."""

    fail: bool = False
    crash: bool = False
    slow_s: float = 0.0
    duplicate: bool = False

    @property
    def active(self) -> bool:
        return self.fail or self.crash or self.slow_s > 0 or self.duplicate

    def describe(self) -> str:
        parts = [name for name in ("fail", "crash", "duplicate") if getattr(self, name)]
        if self.slow_s > 0:
            parts.append(f"slow:{self.slow_s:g}")
        return ",".join(parts) or "none"


NO_FAULT = Fault()
_overrides: dict[str, Fault] = {}
_sleeper: Callable[[float], None] = time.sleep


def env_var(service: str) -> str:
    """The environment variable holding ``service``'s switch."""
    return ENV_PREFIX + service.upper().replace("-", "_")


def parse(spec: str, *, where: str = "fault") -> Fault:
    """Parse ``"fail"``, ``"slow:2.5,duplicate"``...; ``""`` or ``"none"`` is no fault."""
    fail = crash = duplicate = False
    slow_s = 0.0
    for raw in spec.split(","):
        part = raw.strip().lower()
        if part in {"", "none", "off"}:
            continue
        mode, _, argument = part.partition(":")
        if mode == "fail":
            fail = True
        elif mode == "crash":
            crash = True
        elif mode == "duplicate":
            duplicate = True
        elif mode == "slow":
            slow_s = _parse_seconds(argument, where) if argument else DEFAULT_SLOW_S
        else:
            raise ValueError(f"{where}: unknown fault mode {mode!r} (expected one of {MODES})")
        if argument and mode != "slow":
            raise ValueError(f"{where}: mode {mode!r} takes no argument, got {part!r}")
    return Fault(fail=fail, crash=crash, slow_s=slow_s, duplicate=duplicate)


def _parse_seconds(argument: str, where: str) -> float:
    try:
        seconds = float(argument)
    except ValueError:
        raise ValueError(f"{where}: slow needs seconds, e.g. slow:2.5, got {argument!r}") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{where}: slow needs a finite number of seconds >= 0, got {argument!r}")
    return seconds


def _check_service(service: str) -> None:
    if service not in SERVICE_MODULES:
        raise ValueError(f"unknown service {service!r}; expected one of {sorted(SERVICE_MODULES)}")


def set_fault(service: str, fault: Fault | str) -> None:
    """Switch ``service``'s fault in this process (wins over its environment variable)."""
    _check_service(service)
    _overrides[service] = (
        parse(fault, where=f"set_fault({service!r})") if isinstance(fault, str) else fault
    )


def clear_faults() -> None:
    """Forget every in-process switch (environment variables still apply)."""
    _overrides.clear()


def current(service: str) -> Fault:
    """The fault ``service`` should inject now: the in-process switch, else its env variable."""
    if service in _overrides:
        return _overrides[service]
    name = env_var(service)
    spec = os.environ.get(name, "")
    return parse(spec, where=f"environment variable {name}") if spec else NO_FAULT


def set_sleeper(sleeper: Callable[[float], None] | None) -> None:
    """Replace ``time.sleep`` for the ``slow`` mode (a simulated clock's advance; None: reset)."""
    global _sleeper
    _sleeper = time.sleep if sleeper is None else sleeper


def sleep(seconds: float) -> None:
    """Sleep through the pluggable sleeper."""
    _sleeper(seconds)


def before_work(service: str) -> Fault:
    """Apply ``crash`` and ``slow`` now and return the fault for the service to act on the rest."""
    fault = current(service)
    if fault.crash:
        raise InjectedFault(f"{service}: crash injected by its fault switch")
    if fault.slow_s > 0:
        sleep(fault.slow_s)
    return fault
