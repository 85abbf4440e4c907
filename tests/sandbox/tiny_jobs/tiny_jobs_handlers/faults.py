"""The fault switch: ``crash`` / ``fail`` raise, ``slow[:S]`` sleeps on the sandbox's clock."""

from __future__ import annotations

import time
from collections.abc import Callable

_faults: dict[str, str] = {}
_sleep: Callable[[float], None] = time.sleep


def set_fault(service: str, spec: str) -> None:
    if service not in ("janitor", "reporter"):
        raise ValueError(f"unknown service {service!r}")
    _faults[service] = spec


def clear_faults() -> None:
    _faults.clear()


def set_sleeper(sleeper: Callable[[float], None] | None) -> None:
    global _sleep
    _sleep = time.sleep if sleeper is None else sleeper


def before_work(service: str) -> None:
    for part in _faults.get(service, "").split(","):
        mode, _, seconds = part.strip().partition(":")
        if mode in ("crash", "fail"):
            raise RuntimeError(f"{service}: {mode} injected")
        if mode == "slow":
            _sleep(float(seconds or 5))
