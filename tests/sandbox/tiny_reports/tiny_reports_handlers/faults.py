"""The fault switch: ``crash`` raises, ``fail`` raises too unless the handler acts out a
designed failure of its own, ``slow[:S]`` sleeps on the sandbox's clock, ``duplicate`` publishes
every outgoing event twice with the same ``event_id`` (what at-least-once delivery does).

``throttle`` is not here: the sandbox throttles a function by setting its reserved concurrency
to 0, and the handler never runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tiny_reports_handlers import SERVICES

_faults: dict[str, str] = {}
_sleep: Callable[[float], None] = time.sleep


def set_fault(service: str, spec: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
    _faults[service] = spec


def clear_faults() -> None:
    _faults.clear()


def set_sleeper(sleeper: Callable[[float], None] | None) -> None:
    global _sleep
    _sleep = time.sleep if sleeper is None else sleeper


def duplicate(service: str) -> bool:
    """Whether ``service`` publishes every event twice."""
    return "duplicate" in (part.strip() for part in _faults.get(service, "").split(","))


def before_work(service: str, *, designed_failure: bool = False) -> bool:
    """Act out ``service``'s switch (raise for ``crash``, sleep for ``slow``); ``fail`` raises
    as well unless the handler has a ``designed_failure`` to act out: then True is returned."""
    failing = False
    for part in _faults.get(service, "").split(","):
        mode, _, seconds = part.strip().partition(":")
        if mode == "crash":
            raise RuntimeError(f"{service}: crash injected")
        if mode == "slow":
            _sleep(float(seconds or 5))
        if mode == "fail":
            failing = True
    if failing and not designed_failure:
        raise RuntimeError(f"{service}: fail injected")
    return failing
